import type { AgentBudget } from './agent-budget.js';
import type { AgentEvent } from './agent-event.js';
import type { AgentRole } from './agent-role.js';

/** Everything an agent run needs: what to do, where, within which limits, and how to report. */
export interface AgentRunRequest {
  /** The part the agent plays (engineer, orchestrator or developer). */
  role: AgentRole;
  /** The instructions given to the agent. */
  prompt: string;
  /** Absolute path of the directory the agent works in (an isolated worktree for developers). */
  workingDirectory: string;
  /** Repository-relative paths the agent may read and change; edits elsewhere are refused. */
  filesInScope: string[];
  /** JSON Schema the agent's structured output must satisfy; when given, the result carries `structuredOutput`. */
  outputSchema?: Record<string, unknown>;
  /** Name of the model to use; the harness's default when absent. */
  model?: string;
  /** Wall-clock, token and credit limits of the run. */
  budget?: AgentBudget;
  /** Aborting it ends the run with status `cancelled` and stops every process the run started. */
  abortSignal?: AbortSignal;
  /** Called with each event of the run, in order. */
  onEvent?: (event: AgentEvent) => void;
  /** Extra environment variables for the agent process, added to the minimal environment it gets. */
  environment?: Record<string, string>;
  /** Free-form details for the harness (for the stub: the explicit edits or structured output to return). */
  metadata?: Record<string, unknown>;
}
