import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import {
  HyperionError,
  parseJsonText,
  parseWithSchema,
  QueueEntrySchema,
  QueueEventSchema,
  type QueueEvent,
} from '@hyperion/schema';
import { rebuildQueueBlockers } from './queue-blockers.js';
import { replayQueueState } from './replay.js';
import { HyperionStore } from './store.js';

/** The first line of an exported event log. */
export const EVENT_LOG_FORMAT = 'hyperion-event-log';
/** The version of the export format this code writes and reads. */
export const EVENT_LOG_VERSION = 1;

/**
 * The immutable part of a queue entry, as submitted. The log ships it beside the events so a
 * restored store has the patches to work on; every field that changes comes from the events.
 */
const SubmissionSchema = QueueEntrySchema.pick({
  id: true,
  task_id: true,
  request_id: true,
  agent: true,
  summary: true,
  priority: true,
  max_attempts: true,
  target_branch: true,
  paths: true,
  patch: true,
  patch_hash: true,
  base_commit: true,
  checks: true,
  created_at: true,
}).extend({
  // Logs exported before stacked entries existed carry no dependencies.
  depends_on: QueueEntrySchema.shape.depends_on.default([]),
});

/** Where {@link exportEventLog} writes (a file stream, `process.stdout`, an array's push…). */
export interface LogSink {
  write(text: string): unknown;
}

/** How much one export or import moved. */
export interface EventLogCounts {
  entries: number;
  events: number;
}

/**
 * Writes the store's queue as JSON lines: a header, one `submission` line per entry (with its change
 * request as submitted) and one `event` line per `change_queue_logs` row, in id order.
 */
export function exportEventLog(store: HyperionStore, sink: LogSink): EventLogCounts {
  return store.transaction(() => {
    const entries = store.listEntries();
    const events = store.listEvents();
    sink.write(
      `${JSON.stringify({ format: EVENT_LOG_FORMAT, version: EVENT_LOG_VERSION, entries: entries.length, events: events.length })}\n`,
    );
    // Submission order (the enqueue events' order) keeps the queue order when the log is restored.
    const enqueuedAt = new Map(
      events.filter((event) => event.type === 'entry:enqueued').map((event) => [event.entry_id, event.id]),
    );
    const order = (id: string): number => enqueuedAt.get(id) ?? Number.MAX_SAFE_INTEGER;
    for (const entry of [...entries].sort((left, right) => order(left.id) - order(right.id))) {
      const submission = SubmissionSchema.parse(entry);
      const changeRequest = store.getChangeRequest(entry.id) ?? null;
      sink.write(`${JSON.stringify({ kind: 'submission', submission, change_request: changeRequest })}\n`);
    }
    for (const event of events) sink.write(`${JSON.stringify({ kind: 'event', event })}\n`);
    return { entries: entries.length, events: events.length };
  });
}

interface ParsedLog {
  submissions: Array<{ submission: ReturnType<typeof SubmissionSchema.parse>; change_request: unknown }>;
  events: QueueEvent[];
}

/** Parses an exported log; errors name the line. */
export function parseEventLog(text: string, source: string): ParsedLog {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const header = parseJsonText(lines[0] ?? '', `${source}:1`) as Record<string, unknown> | null;
  if (header?.['format'] !== EVENT_LOG_FORMAT || header['version'] !== EVENT_LOG_VERSION) {
    throw new HyperionError(
      'invalid_input',
      `${source}:1 is not a ${EVENT_LOG_FORMAT} version ${EVENT_LOG_VERSION} header`,
      { details: { source } },
    );
  }
  const parsed: ParsedLog = { submissions: [], events: [] };
  lines.slice(1).forEach((line, index) => {
    const where = `${source}:${index + 2}`;
    const record = parseJsonText(line, where) as Record<string, unknown> | null;
    if (record?.['kind'] === 'submission') {
      parsed.submissions.push({
        submission: parseWithSchema(SubmissionSchema, record['submission'], `${where} submission`),
        change_request: record['change_request'] ?? null,
      });
    } else if (record?.['kind'] === 'event') {
      parsed.events.push(parseWithSchema(QueueEventSchema, record['event'], `${where} event`));
    } else {
      throw new HyperionError('invalid_input', `${where}: expected kind 'submission' or 'event'`, {
        details: { source, line: index + 2 },
      });
    }
  });
  return parsed;
}

/**
 * Restores an exported log into a new (or empty) store at `targetStorePath`: the events verbatim
 * (same ids), and each entry's row from its submission plus the state replayed from the events.
 * Entries that were `running` come back with an expired lease, so any worker takes them again.
 * Refuses (`invalid_state`) a store that already holds queue entries or events; writes nothing
 * unless the whole log is valid.
 */
export function importEventLog(file: string, targetStorePath: string): EventLogCounts {
  const log = parseEventLog(readFileSync(file, 'utf8'), file);
  const replayed = replayQueueState(log.events);
  HyperionStore.open(targetStorePath, { create: true }).close();
  const database = new Database(targetStorePath, { timeout: 10_000 });
  try {
    database
      .transaction(() => {
        const existing = database
          .prepare(
            'SELECT (SELECT COUNT(*) FROM queue_entries) + (SELECT COUNT(*) FROM change_queue_logs) AS count',
          )
          .get() as { count: number };
        if (existing.count > 0) {
          throw new HyperionError(
            'invalid_state',
            `${targetStorePath} already holds a queue; import into an empty store`,
            {
              details: { target: targetStorePath },
            },
          );
        }
        const insertChange = database.prepare(
          'INSERT INTO change_requests (id, task_id, request_id, agent, patch_hash, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        );
        const insertEntry = database.prepare(
          `INSERT INTO queue_entries (id, task_id, request_id, agent, summary, state, priority, attempts, max_attempts,
           lease_expiries, target_branch, paths, patch, patch_hash, base_commit, checks, depends_on, lease_owner,
           lease_expires_at, not_before, last_error, landed_commit, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)`,
        );
        const lastEventAt = new Map(log.events.map((event) => [event.entry_id, event.at]));
        for (const { submission, change_request: changeRequest } of log.submissions) {
          const state = replayed.get(submission.id);
          if (state === undefined) {
            throw new HyperionError('invalid_input', `${file}: submission ${submission.id} has no events`, {
              details: { id: submission.id },
            });
          }
          insertChange.run(
            submission.id,
            submission.task_id,
            submission.request_id,
            submission.agent,
            submission.patch_hash,
            JSON.stringify(changeRequest),
            submission.created_at,
          );
          insertEntry.run(
            submission.id,
            submission.task_id,
            submission.request_id,
            submission.agent,
            submission.summary,
            state.state,
            state.priority ?? submission.priority,
            state.attempts,
            submission.max_attempts,
            state.lease_expiries,
            submission.target_branch,
            JSON.stringify(submission.paths),
            submission.patch,
            submission.patch_hash,
            submission.base_commit,
            JSON.stringify(submission.checks),
            JSON.stringify(submission.depends_on),
            state.lease_owner,
            state.state === 'running' ? 0 : null,
            state.last_error,
            state.landed_commit,
            submission.created_at,
            lastEventAt.get(submission.id) ?? submission.created_at,
          );
        }
        const insertEvent = database.prepare(
          'INSERT INTO change_queue_logs (id, entry_id, type, from_state, to_state, worker, at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        );
        for (const event of log.events) {
          insertEvent.run(
            event.id,
            event.entry_id,
            event.type,
            event.from_state,
            event.to_state,
            event.worker,
            event.at,
            JSON.stringify(event.data),
          );
        }
        // The rows were written without the store: count what keeps each entry waiting.
        rebuildQueueBlockers(database);
      })
      .immediate();
  } finally {
    database.close();
  }
  return { entries: log.submissions.length, events: log.events.length };
}
