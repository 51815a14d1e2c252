/**
 * The part an agent plays in the Hyperion pipeline.
 *
 * - `engineer` clarifies a task request into a scoped request.
 * - `orchestrator` decomposes a scoped request into task assignments.
 * - `developer` edits files in an isolated worktree to carry out one assignment.
 */
export type AgentRole = 'engineer' | 'orchestrator' | 'developer';

/** Every {@link AgentRole}, in pipeline order. */
export const AGENT_ROLES: readonly AgentRole[] = ['engineer', 'orchestrator', 'developer'];
