import type { QueueEntry, QueueEvent, QueueState } from '@hyperion/schema';
import type { StoreReadModel } from '@hyperion/store';
import { eventText } from './event-fields.js';

/** One titled block of the entry view. */
export interface DetailSection {
  /** Shown as the block's heading. */
  title: string;
  /** Its lines, as stored (the view neutralizes control characters). */
  lines: string[];
}

/** What Enter opens: one entry with its events, check output, conflict report and patch. */
export interface EntryDetail {
  /** The entry's id. */
  id: string;
  /** Its state when read. */
  state: QueueState;
  /** Its summary (commit subject). */
  summary: string;
  /** Blocks in reading order: facts, events, checks, conflict, patch. */
  sections: DetailSection[];
}

/** How many events the view lists (the newest ones). */
const EVENT_LIMIT = 200;
/** How many lines of one check's output the view keeps (the last ones, where errors are). */
const OUTPUT_LINES = 40;

function linesOf(text: string): string[] {
  return text.replace(/\t/g, '  ').split(/\r?\n/);
}

function facts(entry: QueueEntry): DetailSection {
  const lines = [
    `state ${entry.state} · attempts ${entry.attempts}/${entry.max_attempts} · priority ${entry.priority}`,
    `task ${entry.task_id}${entry.request_id === null ? '' : ` · request ${entry.request_id}`} · agent ${entry.agent}`,
    `target ${entry.target_branch} · paths ${entry.paths.join(', ')}`,
  ];
  if (entry.lease_owner !== null) lines.push(`leased by ${entry.lease_owner}`);
  if (entry.landed_commit !== null) lines.push(`landed as ${entry.landed_commit}`);
  if (entry.last_error !== null) lines.push(...linesOf(`last error: ${entry.last_error}`));
  return { title: 'Entry', lines };
}

function eventLine(event: QueueEvent): string {
  const move = event.to_state === null ? '' : ` → ${event.to_state}`;
  const by = eventText(event, 'by');
  const reason = eventText(event, 'reason');
  const name = event.type.startsWith('check:') ? eventText(event, 'name') : undefined;
  const extras = [
    event.worker === null ? undefined : `[${event.worker}]`,
    name,
    by === undefined ? undefined : `by ${by}`,
    reason,
  ].filter((part) => part !== undefined);
  return `${event.at.slice(11, 19)} ${event.type}${move}${extras.length === 0 ? '' : ` ${extras.join(' ')}`}`;
}

function checkSections(events: readonly QueueEvent[]): DetailSection[] {
  const latest = new Map<string, QueueEvent>();
  for (const event of events) {
    if (event.type === 'check:failed' || event.type === 'check:passed' || event.type === 'check:flaked')
      latest.set(eventText(event, 'name') ?? 'check', event);
  }
  return [...latest.values()].map((event) => {
    const output = eventText(event, 'output') ?? '';
    const exit = eventText(event, 'exit_code');
    const verdict = event.type.slice('check:'.length);
    return {
      title: `Check ${eventText(event, 'name') ?? ''} ${verdict}${exit === undefined ? '' : ` (exit ${exit})`}`,
      lines: output === '' ? ['(no output)'] : linesOf(output.trimEnd()).slice(-OUTPUT_LINES),
    };
  });
}

function conflictSection(events: readonly QueueEvent[]): DetailSection | undefined {
  const conflict = events.findLast((event) => event.type === 'entry:conflicted');
  const report = conflict?.data['report'];
  if (conflict === undefined || report === null || typeof report !== 'object') return undefined;
  const fields = report as Record<string, unknown>;
  const lines: string[] = [];
  if (typeof fields['tip'] === 'string') lines.push(`tried on ${fields['tip']}`);
  for (const file of Array.isArray(fields['files']) ? (fields['files'] as unknown[]) : []) {
    const item = file as Record<string, unknown>;
    lines.push(`✗ ${String(item['path'])}: ${String(item['error'])}`);
  }
  for (const commit of Array.isArray(fields['intervening_commits'])
    ? (fields['intervening_commits'] as unknown[])
    : []) {
    const item = commit as Record<string, unknown>;
    lines.push(`  ${String(item['commit']).slice(0, 10)} ${String(item['subject'])}`);
  }
  for (const dependency of Array.isArray(fields['dependencies'])
    ? (fields['dependencies'] as unknown[])
    : []) {
    const item = dependency as Record<string, unknown>;
    lines.push(`stacked on ${String(item['id'])} (${String(item['state'])})`);
  }
  if (typeof fields['git_output'] === 'string' && fields['git_output'] !== '')
    lines.push(...linesOf(fields['git_output'].trimEnd()));
  return { title: 'Conflict report', lines };
}

/** Reads what the entry view shows, or undefined when there is no such entry. */
export async function loadEntryDetail(
  store: Pick<StoreReadModel, 'getEntry' | 'listEvents'>,
  id: string,
): Promise<EntryDetail | undefined> {
  const entry = await store.getEntry(id);
  if (entry === undefined) return undefined;
  const events = await store.listEvents({ entryId: id });
  const sections: DetailSection[] = [facts(entry)];
  sections.push({ title: `Events (${events.length})`, lines: events.slice(-EVENT_LIMIT).map(eventLine) });
  sections.push(...checkSections(events));
  const conflict = conflictSection(events);
  if (conflict !== undefined) sections.push(conflict);
  sections.push({ title: 'Patch', lines: linesOf(entry.patch.trimEnd()) });
  return { id: entry.id, state: entry.state, summary: entry.summary, sections };
}
