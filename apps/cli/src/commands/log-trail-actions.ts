import { resolve } from 'node:path';
import { printable, type QueueEvent } from '@hyperion/schema';
import { hyperionPaths } from '@hyperion/queue/workspace';
import type { HyperionStore } from '@hyperion/store';
import { openExistingStore } from '../store-access.js';
import { jsonText, type CommandOutput } from '../output.js';

/** Options of `hyperion log` (the trail). */
export interface TrailOptions {
  repo?: string;
  follow?: boolean;
  json?: boolean;
  entry?: string;
  last?: number;
}

/** Events read per store call while catching up. */
const PAGE = 1_000;

/** One event as a line for people: id, time, entry, type, the move, the worker and its reason. */
export function formatEventLine(event: QueueEvent): string {
  const move = event.to_state === null ? '' : ` ${event.from_state ?? '∅'} → ${event.to_state}`;
  const by = event.worker === null ? '' : ` by ${printable(event.worker)}`;
  const reason = typeof event.data['reason'] === 'string' ? `: ${printable(event.data['reason'])}` : '';
  return `#${event.id} ${event.at} ${printable(event.entry_id)} ${printable(event.type)}${move}${by}${reason}`;
}

function print(event: QueueEvent, options: TrailOptions, output: CommandOutput): void {
  // One compact JSON object per line (JSON Lines), every control character escaped.
  if (options.json === true) output.line(jsonText(event));
  else output.line(formatEventLine(event));
}

/** The id after which printing starts: 0, or just before the newest `--last` events. */
async function startAfter(store: HyperionStore, options: TrailOptions): Promise<number> {
  if (options.last === undefined) return 0;
  // Only the newest `--last` events are read (backwards through the id index), not the whole log.
  const tail = await store.listEvents({
    newest: true,
    limit: options.last,
    ...(options.entry === undefined ? {} : { entryId: options.entry }),
  });
  return tail.length === 0 ? 0 : tail[0]!.id - 1;
}

/** Prints the trail, and with `--follow` keeps printing until `signal` aborts. */
export async function trail(
  options: TrailOptions,
  output: CommandOutput,
  signal: AbortSignal,
): Promise<void> {
  const store = await openExistingStore(hyperionPaths(resolve(options.repo ?? '.')));
  try {
    let afterId = await startAfter(store, options);
    for (;;) {
      const events = await store.listEvents({
        afterId,
        limit: PAGE,
        ...(options.entry === undefined ? {} : { entryId: options.entry }),
      });
      for (const event of events) print(event, options, output);
      afterId = events.at(-1)?.id ?? afterId;
      if (events.length === PAGE) continue;
      if (options.follow !== true || signal.aborted) return;
      await store.waitForChange(1_000, signal);
      if (signal.aborted) return;
    }
  } finally {
    await store.close();
  }
}
