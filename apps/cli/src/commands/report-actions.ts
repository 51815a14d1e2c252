import { withStore } from '../context.js';
import type { CommandOutput } from '../output.js';
import { reportMarkdown } from './report-markdown.js';
import { buildReport } from './report-model.js';

/** Options of `hyperion report`. */
export interface ReportOptions {
  repo?: string;
  /** Milliseconds: only entries changed within this window. */
  since?: number;
  json?: boolean;
}

/** Prints the report of `requestId` (or of the whole queue) as Markdown, or as JSON with `--json`. */
export async function report(
  requestId: string | undefined,
  options: ReportOptions,
  output: CommandOutput,
): Promise<void> {
  await withStore(options, async ({ store }) => {
    const built = await buildReport(store, {
      ...(requestId === undefined ? {} : { requestId }),
      ...(options.since === undefined ? {} : { sinceMs: store.now() - options.since }),
    });
    if (options.json === true) output.json(built);
    else output.line(reportMarkdown(built));
  });
}
