/**
 * The part an agent plays in the Hyperion pipeline.
 *
 * - `engineer` clarifies a task request into a scoped request.
 * - `orchestrator` decomposes a scoped request into task assignments.
 * - `developer` edits files in an isolated worktree to carry out one assignment.
 * - `resolver` (added in harness-v1, additive) edits the conflict markers out of the files a
 *   change conflicted on, in an isolated worktree at the branch's new tip holding those files
 *   merged with their markers. Its `filesInScope` are the conflicted files, the only ones it may
 *   change. A harness that cannot resolve says so in a `failed` result (the stub does).
 */
export type AgentRole = 'engineer' | 'orchestrator' | 'developer' | 'resolver';

/** Every {@link AgentRole}, in pipeline order. */
export const AGENT_ROLES: readonly AgentRole[] = ['engineer', 'orchestrator', 'developer', 'resolver'];
