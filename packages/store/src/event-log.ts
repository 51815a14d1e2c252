import { readFileSync } from 'node:fs';
import {
  HyperionError,
  parseJsonText,
  parseWithSchema,
  QueueEntrySchema,
  QueueEventSchema,
  type QueueEntry,
  type QueueEvent,
} from '@hyperion/schema';
import { replayQueueState } from './replay.js';
import type { HyperionStore, StoredSubmission } from './store-interface.js';

/** The first line of an exported event log. */
export const EVENT_LOG_FORMAT = 'hyperion-event-log';
/** The version of the export format this code writes and reads. */
export const EVENT_LOG_VERSION = 1;

/**
 * The immutable part of a queue entry, as submitted. The log ships it beside the events so a
 * restored store has the patches to work on; every field that changes comes from the events.
 */
export const LoggedSubmissionSchema = QueueEntrySchema.pick({
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
  /** Writes one chunk of the log (lines ending in `\n`). */
  write(text: string): unknown;
}

/** How much one export or import moved. */
export interface EventLogCounts {
  /** Submission lines written. */
  entries: number;
  /** Event lines written. */
  events: number;
}

/**
 * Writes the store's queue as JSON lines: a header, one `submission` line per entry (with its change
 * request as submitted) and one `event` line per `change_queue_logs` row, in id order. The events
 * are read first and only the submissions they enqueue are written, so a change submitted while
 * the export runs is left out whole rather than shipped without its events.
 */
export async function exportEventLog(store: HyperionStore, sink: LogSink): Promise<EventLogCounts> {
  const events = await store.listEvents();
  // Submission order (the enqueue events' order) keeps the queue order when the log is restored.
  const enqueuedAt = new Map(
    events.filter((event) => event.type === 'entry:enqueued').map((event) => [event.entry_id, event.id]),
  );
  const order = (id: string): number => enqueuedAt.get(id) ?? Number.MAX_SAFE_INTEGER;
  const logged = new Set(events.map((event) => event.entry_id));
  const submissions = (await store.listSubmissions())
    .filter((submission) => logged.has(submission.entry.id))
    .sort((left, right) => order(left.entry.id) - order(right.entry.id));
  sink.write(
    `${JSON.stringify({ format: EVENT_LOG_FORMAT, version: EVENT_LOG_VERSION, entries: submissions.length, events: events.length })}\n`,
  );
  for (const { entry, change_request: changeRequest } of submissions) {
    const submission = LoggedSubmissionSchema.parse(entry);
    sink.write(
      `${JSON.stringify({ kind: 'submission', submission, change_request: changeRequest ?? null })}\n`,
    );
  }
  for (const event of events) sink.write(`${JSON.stringify({ kind: 'event', event })}\n`);
  return { entries: submissions.length, events: events.length };
}

/** A submission as the log carries it. */
export type LoggedSubmission = ReturnType<typeof LoggedSubmissionSchema.parse>;

/** An event log read back: the submissions, then the events in id order. */
export interface ParsedLog {
  /** One per entry, in submission order. */
  submissions: Array<{ submission: LoggedSubmission; change_request: unknown }>;
  /** The `change_queue_logs` rows. */
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
        submission: parseWithSchema(LoggedSubmissionSchema, record['submission'], `${where} submission`),
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
 * Restores an exported log into an empty store: the events verbatim (same ids), and each entry from
 * its submission plus the state replayed from the events. Entries that were `running` come back
 * with an expired lease, so any worker takes them again. Refuses (`invalid_state`) a store that
 * already holds queue entries or events; writes nothing unless the whole log is valid.
 */
export async function importEventLog(file: string, store: HyperionStore): Promise<EventLogCounts> {
  return importParsedLog(parseEventLog(readFileSync(file, 'utf8'), file), file, store);
}

/**
 * Restores a parsed log (an export, or shipped segments read back) into an empty store, as
 * {@link importEventLog} does; `source` names it in errors.
 */
export async function importParsedLog(
  log: ParsedLog,
  source: string,
  store: HyperionStore,
): Promise<EventLogCounts> {
  const file = source;
  const replayed = replayQueueState(log.events);
  const lastEventAt = new Map(log.events.map((event) => [event.entry_id, event.at]));
  const submissions: StoredSubmission[] = log.submissions.map(({ submission, change_request }) => {
    const state = replayed.get(submission.id);
    if (state === undefined) {
      throw new HyperionError('invalid_input', `${file}: submission ${submission.id} has no events`, {
        details: { id: submission.id },
      });
    }
    const entry: QueueEntry = {
      ...submission,
      state: state.state,
      priority: state.priority ?? submission.priority,
      attempts: state.attempts,
      lease_expiries: state.lease_expiries,
      lease_owner: state.lease_owner,
      lease_expires_at: state.state === 'running' ? 0 : null,
      not_before: null,
      last_error: state.last_error,
      landed_commit: state.landed_commit as QueueEntry['landed_commit'],
      updated_at: lastEventAt.get(submission.id) ?? submission.created_at,
    };
    return { entry, change_request };
  });
  await store.importLog({ submissions, events: log.events });
  return { entries: log.submissions.length, events: log.events.length };
}
