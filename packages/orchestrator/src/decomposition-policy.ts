import type { HyperionConfig } from '@hyperion/schema';

/** The rules every decomposition (deterministic or model-made) must satisfy. */
export interface DecompositionPolicy {
  /** Largest assignment, in files. */
  maxFilesPerAssignment: number;
  /** One assignment per file, or per directory. */
  groupBy: 'file' | 'directory';
  /** Tokens one assignment's context (instructions plus file contents) may use. */
  tokenBudget: number;
  /** Where the budget comes from, for error messages. */
  budgetSource: string;
  /** The check commands every assignment carries (none when undefined). */
  checks: string[] | undefined;
  /** Where the checks come from. */
  checksSource: 'plan' | 'config' | 'request' | 'none';
}

/**
 * The checks of assignments, by precedence: the approved plan's validation policy, then the
 * configured checks, then the request's own checks.
 */
export function resolveChecks(
  planPolicy: readonly string[] | undefined,
  config: HyperionConfig,
  requestChecks: readonly string[] | undefined,
): Pick<DecompositionPolicy, 'checks' | 'checksSource'> {
  if (planPolicy !== undefined && planPolicy.length > 0)
    return { checks: [...planPolicy], checksSource: 'plan' };
  if (config.checks.length > 0) {
    return { checks: config.checks.map((check) => check.command), checksSource: 'config' };
  }
  if (requestChecks !== undefined && requestChecks.length > 0) {
    return { checks: [...requestChecks], checksSource: 'request' };
  }
  return { checks: undefined, checksSource: 'none' };
}

/** The decomposition policy of `config` (the `orchestrator` section) for one request. */
export function decompositionPolicy(
  config: HyperionConfig,
  planPolicy: readonly string[] | undefined,
  requestChecks: readonly string[] | undefined,
): DecompositionPolicy {
  const { orchestrator } = config;
  const byContext = orchestrator.context_tokens < orchestrator.max_tokens_per_assignment;
  return {
    maxFilesPerAssignment: orchestrator.max_files_per_assignment,
    groupBy: orchestrator.group_by,
    tokenBudget: Math.min(orchestrator.context_tokens, orchestrator.max_tokens_per_assignment),
    budgetSource: byContext ? 'orchestrator.context_tokens' : 'orchestrator.max_tokens_per_assignment',
    ...resolveChecks(planPolicy, config, requestChecks),
  };
}
