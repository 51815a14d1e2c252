import * as z from 'zod';
import { CommitIdSchema } from './common.js';

/**
 * Every state a queue entry can be in. `ARCHITECTURE.md` draws the transitions.
 * - `queued`: waiting for a worker (possibly not before `not_before`, after a failed attempt).
 * - `awaiting_approval`: the risk policy matched; waits for `hyperion approve`.
 * - `running`: leased by a worker (`lease_owner` until `lease_expires_at`).
 * - terminal: `landed`, `quarantined`, `conflicted`, `rejected`, `cancelled`, `rolled_back`,
 *   `dry-run-passed`, `dry-run-failed`.
 */
export const QUEUE_STATES = [
  'queued',
  'awaiting_approval',
  'running',
  'landed',
  'quarantined',
  'conflicted',
  'rejected',
  'cancelled',
  'rolled_back',
  'dry-run-passed',
  'dry-run-failed',
] as const;

/** The state of a queue entry. */
export const QueueStateSchema = z.enum(QUEUE_STATES);
/** The state of a queue entry. */
export type QueueState = z.infer<typeof QueueStateSchema>;

/** States an entry never leaves (except `landed`, which a rollback turns into `rolled_back`). */
export const TERMINAL_QUEUE_STATES: readonly QueueState[] = QUEUE_STATES.filter(
  (state) => state !== 'queued' && state !== 'awaiting_approval' && state !== 'running',
);

/** True when `state` is terminal. */
export function isTerminalQueueState(state: QueueState): boolean {
  return TERMINAL_QUEUE_STATES.includes(state);
}

/** One row of the merge queue, as the store returns it. */
export const QueueEntrySchema = z
  .object({
    id: z.string().describe('The change id.'),
    task_id: z.string(),
    request_id: z.string().nullable(),
    agent: z.string(),
    summary: z.string().describe('Commit subject.'),
    state: QueueStateSchema,
    priority: z.number().int().describe('Higher runs first; ties run in submission order.'),
    attempts: z
      .number()
      .int()
      .min(0)
      .describe(
        'Attempts charged to the change: its own failures plus the one running. An attempt that ended because its worker died is given back.',
      ),
    max_attempts: z.number().int().min(1),
    lease_expiries: z
      .number()
      .int()
      .min(0)
      .describe('Attempts that ended because the worker died or hung (its lease expired); never charged.'),
    depends_on: z
      .array(z.string())
      .describe(
        'Earlier entries this patch was stacked on (it applies only on top of them); it lands after them, or conflicts if one of them does not land.',
      ),
    target_branch: z.string(),
    paths: z.array(z.string()).describe('Every path the patch touches.'),
    patch: z.string().describe('The combined unified diff.'),
    patch_hash: z.string().describe('sha256 of the combined patch.'),
    base_commit: CommitIdSchema.nullable(),
    checks: z.array(z.string()).describe('Names of the configured checks this entry runs.'),
    lease_owner: z.string().nullable(),
    lease_expires_at: z.number().int().nullable().describe('Epoch milliseconds.'),
    not_before: z.number().int().nullable().describe('Epoch milliseconds; no lease before then.'),
    last_error: z.string().nullable(),
    landed_commit: CommitIdSchema.nullable(),
    created_at: z.string().describe('ISO 8601.'),
    updated_at: z.string().describe('ISO 8601.'),
  })
  .describe('A merge queue entry.');
/** One row of the merge queue. */
export type QueueEntry = z.infer<typeof QueueEntrySchema>;
