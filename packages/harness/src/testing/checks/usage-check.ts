import { AGENT_RUN_STATUSES } from '../../v1/agent-run-status.js';
import type { AgentRunResult } from '../../v1/agent-run-result.js';
import type { HarnessConformanceCheck } from '../conformance-context.js';
import { runWithBound } from '../run-with-bound.js';

const USAGE_NUMBERS = ['inputTokens', 'outputTokens', 'costUsd', 'credits'] as const;

/** The result is well formed, and its usage is either reported with numbers or declared absent without any. */
export const usageCheck: HarnessConformanceCheck = {
  name: 'usage',
  description: 'returns a well-formed result whose usage is reported or declared absent',
  async run({ harness, options, request }) {
    const run = await runWithBound(
      harness,
      request(options.scenarios.writeFile('usage.txt', 'usage\n'), ['usage.txt']),
      options.runBoundMs,
    );
    if (!run.ended) return [run.reason];
    return [...resultShapeProblems(run.result), ...usageProblems(run.result)];
  },
};

function resultShapeProblems(result: AgentRunResult): string[] {
  const problems: string[] = [];
  if (!AGENT_RUN_STATUSES.includes(result.status))
    problems.push(`unknown status ${JSON.stringify(result.status)}`);
  if (typeof result.text !== 'string') problems.push('text is not a string');
  if (!Number.isFinite(result.durationMs) || result.durationMs < 0)
    problems.push('durationMs is not a duration');
  if (result.exitCode !== undefined && !Number.isInteger(result.exitCode))
    problems.push('exitCode is not an integer');
  if (result.sessionId !== undefined && typeof result.sessionId !== 'string')
    problems.push('sessionId is not a string');
  if (result.status !== 'ok' && typeof result.error !== 'string')
    problems.push(`status ${result.status} without an error`);
  return problems;
}

function usageProblems(result: AgentRunResult): string[] {
  const usage = result.usage as AgentRunResult['usage'] | undefined;
  if (typeof usage !== 'object' || usage === null) return ['the result has no usage object'];
  if (typeof usage.reported !== 'boolean') return ['usage.reported is not a boolean'];
  const present = USAGE_NUMBERS.filter((key) => usage[key] !== undefined);
  const problems = present
    .filter((key) => !Number.isFinite(usage[key]) || (usage[key] ?? 0) < 0)
    .map((key) => `usage.${key} is not a non-negative number`);
  if (usage.reported && present.length === 0)
    problems.push('usage.reported is true but no usage number is given');
  if (!usage.reported && present.length > 0) {
    problems.push(
      `usage.reported is false but ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} given`,
    );
  }
  return problems;
}
