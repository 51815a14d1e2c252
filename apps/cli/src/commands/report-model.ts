import { HyperionError, type QueueEntry, type QueueEvent, type QueueState } from '@hyperion/schema';
import type { StoreReadModel } from '@hyperion/store';

/** One run of a check on an entry's tree, as the event log recorded it. */
export interface ReportCheckRun {
  /** The check's configured name. */
  name: string;
  /** `passed`, `failed`, or `flaked` (passed on a re-run after failing on the same tree). */
  result: 'passed' | 'failed' | 'flaked';
  exit_code: number | null;
  timed_out: boolean;
  duration_ms: number | null;
  /** ISO 8601. */
  at: string;
  /** True when the run was on a batch of several entries. */
  in_batch: boolean;
}

/** A person's (or a program's) decision about an entry: who, what, when, and why. */
export interface ReportDecision {
  entry_id: string;
  action: 'approved' | 'rejected' | 'cancelled' | 'retried' | 'bumped';
  by: string;
  /** The note or reason given, if any. */
  note: string | null;
  /** ISO 8601. */
  at: string;
}

/** Why an entry conflicted: the files that did not apply and the commits that touched them. */
export interface ReportConflict {
  files: Array<{ path: string; error: string }>;
  intervening_commits: Array<{ commit: string; subject: string; change_id: string | null }>;
  dependencies: Array<{ id: string; state: string; reason: string | null }>;
}

/** One queue entry in a report. */
export interface ReportEntry {
  id: string;
  task_id: string;
  request_id: string | null;
  summary: string;
  state: QueueState;
  target_branch: string;
  paths: string[];
  attempts: number;
  max_attempts: number;
  /** The commit on the target branch, for a landed (or later rolled back) entry. */
  landed_commit: string | null;
  /** Why it stopped or waits (quarantine, conflict, rejection…), else null. */
  reason: string | null;
  /** ISO 8601. */
  submitted_at: string;
  /** ISO 8601: the entry's last change. */
  updated_at: string;
  /** Every check run on the entry's trees, oldest first. */
  checks: ReportCheckRun[];
  /** The end of the output of the last failed check, for entries that did not land. */
  failed_check_output: string | null;
  /** The conflict report of a conflicted entry. */
  conflict: ReportConflict | null;
}

/** One assignment of the reported request. */
export interface ReportAssignment {
  task_id: string;
  summary: string;
  status: string;
  error: string | null;
  /** The ids of its queue entries. */
  entries: string[];
}

/** The request a report is about. */
export interface ReportRequest {
  id: string;
  summary: string;
  status: string;
  error: string | null;
  created_at: string;
  assignments: ReportAssignment[];
}

/** What `hyperion report` says: entries, their checks and outcome, and the decisions about them. */
export interface Report {
  /** The request reported on, or null for the whole queue. */
  request: ReportRequest | null;
  /** Only entries changed since then (ISO 8601), or null for all of them. */
  since: string | null;
  /** ISO 8601, by the store's clock. */
  generated_at: string;
  /** Entries per state. */
  counts: Partial<Record<QueueState, number>>;
  /** The entries in submission order. */
  entries: ReportEntry[];
  /** Approvals, rejections, cancellations, manual retries and bumps, oldest first. */
  decisions: ReportDecision[];
}

/** The last part of a failed check's output a report keeps. */
export const REPORT_OUTPUT_LIMIT = 4_000;

const EVENTS_PAGE = 1_000;

/** The event types a report reads; the others (leases, commits, batches) are left out. */
const REPORTED_TYPES = new Set<string>([
  'check:passed',
  'check:failed',
  'check:flaked',
  'entry:conflicted',
  'entry:approved',
  'entry:rejected',
  'entry:cancelled',
  'entry:retry_scheduled',
  'entry:bumped',
]);

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

function checkRun(event: QueueEvent): ReportCheckRun {
  const data = event.data;
  const result =
    event.type === 'check:passed' ? 'passed' : event.type === 'check:flaked' ? 'flaked' : 'failed';
  return {
    name: text(data['name']) ?? '?',
    result,
    exit_code: numberOrNull(data['exit_code']),
    timed_out: data['timed_out'] === true,
    duration_ms: numberOrNull(data['duration_ms']),
    at: event.at,
    in_batch: typeof data['batch'] === 'object' && data['batch'] !== null,
  };
}

function decisionOf(event: QueueEvent): ReportDecision | undefined {
  const by = text(event.data['by']);
  // An automatic retry (a failed attempt going back to the queue) is no one's decision.
  if (by === null) return undefined;
  const action = (
    {
      'entry:approved': 'approved',
      'entry:rejected': 'rejected',
      'entry:cancelled': 'cancelled',
      'entry:retry_scheduled': 'retried',
      'entry:bumped': 'bumped',
    } as const
  )[event.type as string];
  if (action === undefined) return undefined;
  const note = text(event.data['reason']) ?? text(event.data['note']);
  return { entry_id: event.entry_id, action, by, note, at: event.at };
}

function conflictOf(event: QueueEvent): ReportConflict | null {
  const report = event.data['report'];
  if (typeof report !== 'object' || report === null) return null;
  const record = report as Record<string, unknown>;
  const list = (value: unknown): Array<Record<string, unknown>> =>
    Array.isArray(value)
      ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
      : [];
  return {
    files: list(record['files']).map((file) => ({
      path: text(file['path']) ?? '?',
      error: text(file['error']) ?? '',
    })),
    intervening_commits: list(record['intervening_commits']).map((commit) => ({
      commit: text(commit['commit']) ?? '?',
      subject: text(commit['subject']) ?? '',
      change_id: text(commit['change_id']),
    })),
    dependencies: list(record['dependencies']).map((dependency) => ({
      id: text(dependency['id']) ?? '?',
      state: text(dependency['state']) ?? '?',
      reason: text(dependency['reason']),
    })),
  };
}

/** The failed check output worth showing: the last failing run's, ended at the limit. */
function lastFailedOutput(events: readonly QueueEvent[]): string | null {
  const failed = events.filter((event) => event.type === 'check:failed').at(-1);
  const output = failed === undefined ? null : text(failed.data['output']);
  return output === null ? null : output.slice(-REPORT_OUTPUT_LIMIT);
}

function reportEntry(entry: QueueEntry, events: readonly QueueEvent[]): ReportEntry {
  const landed = entry.state === 'landed' || entry.state === 'rolled_back';
  const conflictEvent = events.filter((event) => event.type === 'entry:conflicted').at(-1);
  return {
    id: entry.id,
    task_id: entry.task_id,
    request_id: entry.request_id,
    summary: entry.summary,
    state: entry.state,
    target_branch: entry.target_branch,
    paths: entry.paths,
    attempts: entry.attempts,
    max_attempts: entry.max_attempts,
    landed_commit: entry.landed_commit,
    reason: landed ? null : entry.last_error,
    submitted_at: entry.created_at,
    updated_at: entry.updated_at,
    checks: events.filter((event) => event.type.startsWith('check:')).map(checkRun),
    failed_check_output: landed ? null : lastFailedOutput(events),
    conflict: entry.state === 'conflicted' && conflictEvent !== undefined ? conflictOf(conflictEvent) : null,
  };
}

/** Every reported event of the store, grouped by entry, read a page at a time. */
async function allEventsByEntry(store: StoreReadModel): Promise<Map<string, QueueEvent[]>> {
  const byEntry = new Map<string, QueueEvent[]>();
  let afterId = 0;
  for (;;) {
    const page = await store.listEvents({ afterId, limit: EVENTS_PAGE });
    for (const event of page) {
      if (!REPORTED_TYPES.has(event.type)) continue;
      const list = byEntry.get(event.entry_id) ?? [];
      list.push(event);
      byEntry.set(event.entry_id, list);
    }
    if (page.length < EVENTS_PAGE) return byEntry;
    afterId = page.at(-1)!.id;
  }
}

async function requestOf(
  store: StoreReadModel,
  requestId: string,
  entries: readonly QueueEntry[],
): Promise<ReportRequest> {
  const request = await store.getRequest(requestId);
  if (request === undefined) {
    throw new HyperionError(
      'not_found',
      `no request ${requestId} (hyperion requests lists them; hyperion queue show <id> shows one change)`,
      { details: { request_id: requestId } },
    );
  }
  const assignments = await store.listAssignments(requestId);
  return {
    id: request.id,
    summary: request.summary,
    status: request.status,
    error: request.error,
    created_at: request.created_at,
    assignments: assignments.map((assignment) => ({
      task_id: assignment.task_id,
      summary: assignment.summary,
      status: assignment.status,
      error: assignment.error,
      entries: entries.filter((entry) => entry.task_id === assignment.task_id).map((entry) => entry.id),
    })),
  };
}

/** What to report on: one request, or the whole queue; optionally only entries changed since a time. */
export interface ReportScope {
  requestId?: string;
  /** Epoch milliseconds: only entries whose last change is at or after it. */
  sinceMs?: number;
}

/**
 * Builds the report from the store: the entries of the request (or of the whole queue) in
 * submission order with their check runs, outcome and conflict report, and every decision a
 * person made about them. Throws `not_found` for an unknown request id.
 */
export async function buildReport(store: StoreReadModel, scope: ReportScope): Promise<Report> {
  const requestId = scope.requestId;
  const all = await store.listEntries({
    order: 'submission',
    ...(requestId === undefined ? {} : { requestId }),
  });
  const request = requestId === undefined ? null : await requestOf(store, requestId, all);
  const sinceMs = scope.sinceMs;
  const entries =
    sinceMs === undefined ? all : all.filter((entry) => Date.parse(entry.updated_at) >= sinceMs);
  const eventsOf =
    requestId === undefined
      ? await allEventsByEntry(store)
      : new Map(
          await Promise.all(
            entries.map(async (entry) => [entry.id, await store.listEvents({ entryId: entry.id })] as const),
          ),
        );
  const reported = entries.map((entry) => reportEntry(entry, eventsOf.get(entry.id) ?? []));
  const counts: Partial<Record<QueueState, number>> = {};
  for (const entry of entries) counts[entry.state] = (counts[entry.state] ?? 0) + 1;
  const decisions = entries
    .flatMap((entry) => (eventsOf.get(entry.id) ?? []).map(decisionOf))
    .filter((decision): decision is ReportDecision => decision !== undefined)
    .sort((left, right) => left.at.localeCompare(right.at));
  return {
    request,
    since: sinceMs === undefined ? null : new Date(sinceMs).toISOString(),
    generated_at: new Date(store.now()).toISOString(),
    counts,
    entries: reported,
    decisions,
  };
}
