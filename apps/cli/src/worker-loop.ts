import type { MergeQueue } from '@hyperion/queue';
import { printable } from '@hyperion/schema';
import { shortCommit, type CommandOutput } from './output.js';

/** Prints one line per notable queue event, for people watching a headless run (stored text shown safely). */
export function printQueueEvents(queue: MergeQueue, output: CommandOutput): void {
  const line = (text: string) => output.line(printable(text));
  queue.events.on('entry:leased', ({ entry, worker }) =>
    line(`[${worker}] leased ${entry.id} (attempt ${entry.attempts}/${entry.max_attempts})`),
  );
  queue.events.on('check:finished', ({ entry, worker, result }) =>
    output.line(
      `[${worker}] ${entry.id} check ${result.name}: ${result.passed ? 'passed' : 'FAILED'} (${result.durationMs} ms)`,
    ),
  );
  queue.events.on('entry:landed', ({ entry, worker, commit }) =>
    line(`[${worker}] landed ${entry.id} as ${shortCommit(commit)}`),
  );
  queue.events.on('entry:retry_scheduled', ({ entry, worker, reason }) =>
    line(`[${worker}] ${entry.id} will retry: ${reason}`),
  );
  queue.events.on('entry:finished', ({ entry, worker }) =>
    line(`[${worker ?? 'queue'}] ${entry.id} ${entry.state}: ${entry.last_error ?? ''}`),
  );
}

/** An AbortSignal that fires on SIGINT or SIGTERM (in-flight entries finish first). */
export function stopOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
