import type { AgentBudget } from '../v1/agent-budget.js';
import type { AgentUsage } from '../v1/agent-usage.js';

/** Why usage went over the budget, or `undefined` while it is within it. */
export function describeBudgetOverrun(
  usage: AgentUsage,
  budget: AgentBudget,
  creditsSpent: number | undefined,
  creditsUnit: string,
): string | undefined {
  if (budget.maxCredits !== undefined && creditsSpent !== undefined && creditsSpent > budget.maxCredits) {
    return `the run used ${creditsSpent} ${creditsUnit}, over its budget of ${budget.maxCredits}`;
  }
  const tokens = (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
  if (budget.maxTokens !== undefined && usage.reported && tokens > budget.maxTokens) {
    return `the run used ${tokens} tokens, over its budget of ${budget.maxTokens}`;
  }
  return undefined;
}
