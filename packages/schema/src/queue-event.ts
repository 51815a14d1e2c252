import * as z from 'zod';
import { QueueStateSchema } from './queue-entry.js';

/** Every event type written to `change_queue_logs`. */
export const QUEUE_EVENT_TYPES = [
  'entry:enqueued',
  'entry:leased',
  'entry:lease_expired',
  'entry:lease_returned',
  'entry:applied',
  'entry:apply_failed',
  'check:passed',
  'check:failed',
  'check:flaked',
  'entry:committed',
  'entry:race_lost',
  'entry:landing_held',
  'entry:landed',
  'entry:already_landed',
  'entry:retry_scheduled',
  'entry:quarantined',
  'entry:conflicted',
  'entry:awaiting_approval',
  'entry:approved',
  'entry:rejected',
  'entry:cancelled',
  'entry:bumped',
  'entry:rolled_back',
  'entry:dry_run_finished',
  'batch:formed',
  'batch:bisected',
  'entry:batch_returned',
  'conflict:tier_finished',
] as const;

/** The type of a queue event. */
export const QueueEventTypeSchema = z.enum(QUEUE_EVENT_TYPES);
/** The type of a queue event. */
export type QueueEventType = z.infer<typeof QueueEventTypeSchema>;

/** One row of `change_queue_logs`: a structured event, written in the transaction it describes. */
export const QueueEventSchema = z
  .object({
    id: z.number().int().describe('Monotonic sequence number.'),
    entry_id: z.string(),
    type: QueueEventTypeSchema,
    from_state: QueueStateSchema.nullable(),
    to_state: QueueStateSchema.nullable(),
    worker: z.string().nullable(),
    at: z.string().describe('ISO 8601.'),
    data: z.record(z.string(), z.unknown()).describe('Event details (errors, check output, commits…).'),
  })
  .describe('A merge queue event.');
/** One row of `change_queue_logs`. */
export type QueueEvent = z.infer<typeof QueueEventSchema>;
