import { redactSecretsDeep, type AlertEventName, type QueueEntry, type QueueEvent } from '@hyperion/schema';

/** The last part of a check's output an alert carries. */
export const ALERT_OUTPUT_LIMIT = 2_000;

/**
 * What an alert target receives, as JSON (`version` 1). Every string in it has had secrets
 * redacted (`redactSecrets`): the values of the worker's secret variables, well-known token shapes
 * and assignments to secret-looking names. It never carries the patch.
 */
export interface AlertEvent {
  version: 1;
  /** `quarantined`, `conflicted` or `check_failed`. */
  event: AlertEventName;
  /** ISO 8601: when the worker process saw it. */
  at: string;
  entry: {
    id: string;
    task_id: string;
    request_id: string | null;
    summary: string;
    state: string;
    target_branch: string;
    paths: string[];
    attempts: number;
    max_attempts: number;
  };
  /** Why it was quarantined or conflicted, or which check failed. */
  reason: string | null;
  /** The failed check, when there was one. */
  check: {
    name: string;
    exit_code: number | null;
    timed_out: boolean;
    duration_ms: number | null;
    /** The end of its output. */
    output: string;
  } | null;
  /** For a conflict: the files that did not apply. */
  conflict: { files: Array<{ path: string; error: string }> } | null;
}

/** The alert event name of a queue event type, or undefined when no alert is about it. */
export function alertEventName(type: string): AlertEventName | undefined {
  if (type === 'entry:quarantined') return 'quarantined';
  if (type === 'entry:conflicted') return 'conflicted';
  if (type === 'check:failed') return 'check_failed';
  return undefined;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

/** The check of an event: `check:failed` data itself, or the `check` a quarantine recorded. */
function checkOf(name: AlertEventName, data: Record<string, unknown>): AlertEvent['check'] {
  const raw = name === 'check_failed' ? data : data['check'];
  if (typeof raw !== 'object' || raw === null) return null;
  const check = raw as Record<string, unknown>;
  return {
    name: text(check['name']) ?? '?',
    exit_code: numberOrNull(check['exit_code'] ?? check['exitCode']),
    timed_out: (check['timed_out'] ?? check['timedOut']) === true,
    duration_ms: numberOrNull(check['duration_ms'] ?? check['durationMs']),
    output: (text(check['output']) ?? '').slice(-ALERT_OUTPUT_LIMIT),
  };
}

function conflictOf(data: Record<string, unknown>): AlertEvent['conflict'] {
  const report = data['report'];
  if (typeof report !== 'object' || report === null) return null;
  const files = (report as Record<string, unknown>)['files'];
  if (!Array.isArray(files)) return { files: [] };
  return {
    files: files
      .filter((file): file is Record<string, unknown> => typeof file === 'object' && file !== null)
      .map((file) => ({ path: text(file['path']) ?? '?', error: text(file['error']) ?? '' })),
  };
}

/**
 * The alert for `event` about `entry`, with every string redacted of `secretValues` and of
 * anything that looks like a credential.
 */
export function buildAlertEvent(
  name: AlertEventName,
  event: Pick<QueueEvent, 'entry_id' | 'type' | 'data'>,
  entry: QueueEntry,
  at: Date,
  secretValues: readonly string[],
): AlertEvent {
  const check = checkOf(name, event.data);
  const reason =
    name === 'check_failed'
      ? `check '${check?.name ?? '?'}' failed`
      : (text(event.data['reason']) ?? entry.last_error);
  const alert: AlertEvent = {
    version: 1,
    event: name,
    at: at.toISOString(),
    entry: {
      id: entry.id,
      task_id: entry.task_id,
      request_id: entry.request_id,
      summary: entry.summary,
      state: entry.state,
      target_branch: entry.target_branch,
      paths: entry.paths,
      attempts: entry.attempts,
      max_attempts: entry.max_attempts,
    },
    reason,
    check,
    conflict: name === 'conflicted' ? conflictOf(event.data) : null,
  };
  return redactSecretsDeep(alert, secretValues) as AlertEvent;
}
