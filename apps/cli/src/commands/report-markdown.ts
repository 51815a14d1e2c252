import type { QueueState } from '@hyperion/schema';
import type { Report, ReportCheckRun, ReportDecision, ReportEntry } from './report-model.js';
import { markdownCode, markdownFence, markdownLine, markdownText } from './report-markdown-text.js';

/** The sections of a report, in order: which states each one lists. */
const SECTIONS: ReadonlyArray<{ title: string; states: readonly QueueState[] }> = [
  { title: 'Landed', states: ['landed'] },
  { title: 'Quarantined', states: ['quarantined'] },
  { title: 'Conflicted', states: ['conflicted'] },
  { title: 'Rejected, cancelled or rolled back', states: ['rejected', 'cancelled', 'rolled_back'] },
  { title: 'Dry runs', states: ['dry-run-passed', 'dry-run-failed'] },
  { title: 'Still in the queue', states: ['awaiting_approval', 'running', 'queued'] },
];

function seconds(milliseconds: number | null): string {
  return milliseconds === null ? '?' : `${(milliseconds / 1000).toFixed(1)} s`;
}

/** One line per check name: its last result, and how many runs of each result it took. */
function checkLines(runs: readonly ReportCheckRun[]): string[] {
  const names = [...new Set(runs.map((run) => run.name))];
  return names.map((name) => {
    const ofName = runs.filter((run) => run.name === name);
    const last = ofName.at(-1)!;
    const how = last.timed_out
      ? 'timed out'
      : last.result === 'failed'
        ? `failed (exit ${last.exit_code ?? 'by a signal'})`
        : last.result;
    const tally = (['passed', 'failed', 'flaked'] as const)
      .map((result) => [result, ofName.filter((run) => run.result === result).length] as const)
      .filter(([, count]) => count > 0)
      .map(([result, count]) => `${count} ${result}`)
      .join(', ');
    const runsText = ofName.length === 1 ? '1 run' : `${ofName.length} runs: ${tally}`;
    return `  - check ${markdownCode(name)}: ${how}, ${seconds(last.duration_ms)} (${runsText})`;
  });
}

function decisionLine(decision: ReportDecision): string {
  const note = decision.note === null || decision.note === '' ? '' : `: ${markdownText(decision.note)}`;
  return `${markdownText(decision.by)} ${decision.action} ${markdownCode(decision.entry_id)} at ${markdownText(decision.at)}${note}`;
}

function entryLines(entry: ReportEntry, decisions: readonly ReportDecision[]): string[] {
  const lines = [
    `- ${markdownCode(entry.id)} ${markdownText(entry.summary)} — task ${markdownCode(entry.task_id)}, ${entry.state}`,
  ];
  if (entry.landed_commit !== null) {
    lines.push(`  - commit ${markdownCode(entry.landed_commit)} on ${markdownCode(entry.target_branch)}`);
  }
  lines.push(`  - files: ${entry.paths.map(markdownCode).join(', ') || 'none'}`);
  if (entry.reason !== null) lines.push(`  - why: ${markdownText(entry.reason)}`);
  lines.push(`  - attempts: ${entry.attempts} of ${entry.max_attempts}`);
  if (entry.checks.length === 0) lines.push('  - checks: none run');
  else lines.push(...checkLines(entry.checks));
  for (const decision of decisions.filter((each) => each.entry_id === entry.id)) {
    lines.push(`  - ${decisionLine(decision)}`);
  }
  if (entry.conflict !== null) lines.push(...conflictLines(entry));
  if (entry.failed_check_output !== null && entry.failed_check_output.trim() !== '') {
    lines.push('', `Output of the last failed check of ${markdownCode(entry.id)} (its end):`, '');
    lines.push(...markdownFence(entry.failed_check_output), '');
  }
  return lines;
}

function conflictLines(entry: ReportEntry): string[] {
  const conflict = entry.conflict!;
  const lines: string[] = [];
  for (const file of conflict.files) {
    lines.push(`  - does not apply: ${markdownCode(file.path)} ${markdownText(file.error)}`);
  }
  for (const commit of conflict.intervening_commits) {
    const change = commit.change_id === null ? '' : ` (change ${markdownCode(commit.change_id)})`;
    lines.push(
      `  - touched since its base by ${markdownCode(commit.commit.slice(0, 12))} ${markdownText(commit.subject)}${change}`,
    );
  }
  for (const dependency of conflict.dependencies) {
    const reason = dependency.reason === null ? '' : `: ${markdownText(dependency.reason)}`;
    lines.push(`  - stacked on ${markdownCode(dependency.id)}, ${markdownText(dependency.state)}${reason}`);
  }
  return lines;
}

function headerLines(report: Report): string[] {
  const lines: string[] = [];
  if (report.request === null) {
    lines.push('# Hyperion report: the whole queue', '');
  } else {
    const request = report.request;
    lines.push(`# Hyperion report: request ${markdownCode(request.id)}`, '');
    lines.push(markdownLine(request.summary), '');
    lines.push(`- status: ${markdownText(request.status)}, received ${markdownText(request.created_at)}`);
    if (request.error !== null) lines.push(`- stopped: ${markdownText(request.error)}`);
  }
  const counts = Object.entries(report.counts)
    .map(([state, count]) => `${count} ${state}`)
    .join(', ');
  const since = report.since === null ? '' : ` changed since ${markdownText(report.since)}`;
  lines.push(`- entries${since}: ${report.entries.length}${counts === '' ? '' : ` (${counts})`}`);
  lines.push(`- generated at ${markdownText(report.generated_at)}`, '');
  return lines;
}

function assignmentLines(report: Report): string[] {
  const request = report.request;
  if (request === null) return [];
  const lines = [`## Assignments (${request.assignments.length})`, ''];
  if (request.assignments.length === 0) lines.push('None.');
  for (const assignment of request.assignments) {
    const entries = assignment.entries.map(markdownCode).join(', ') || 'no queue entry';
    const error = assignment.error === null ? '' : ` — ${markdownText(assignment.error)}`;
    lines.push(
      `- ${markdownCode(assignment.task_id)} ${markdownText(assignment.summary)} — ${markdownText(assignment.status)}: ${entries}${error}`,
    );
  }
  lines.push('');
  return lines;
}

/**
 * The report as Markdown: what landed (with its commit), what was quarantined or conflicted and
 * why, what else ended or still waits, every entry's checks, and who decided what. Every stored
 * string is neutralized (see `report-markdown-text.ts`): the result is safe both to render and to
 * print on a terminal.
 */
export function reportMarkdown(report: Report): string {
  const lines = [...headerLines(report), ...assignmentLines(report)];
  for (const section of SECTIONS) {
    const entries = report.entries.filter((entry) => section.states.includes(entry.state));
    if (entries.length === 0 && section.title !== 'Landed') continue;
    lines.push(`## ${section.title} (${entries.length})`, '');
    if (entries.length === 0) lines.push('None.', '');
    for (const entry of entries) lines.push(...entryLines(entry, report.decisions));
    if (entries.length > 0 && lines.at(-1) !== '') lines.push('');
  }
  lines.push(`## Decisions (${report.decisions.length})`, '');
  if (report.decisions.length === 0) lines.push('No approval, rejection, cancellation or manual retry.');
  for (const decision of report.decisions) lines.push(`- ${decisionLine(decision)}`);
  return lines.join('\n');
}
