import type { MergeQueue } from '@hyperion/queue';
import { shortCommit, type CommandOutput } from './output.js';

/** Prints one line per notable queue event, for people watching a headless run. */
export function printQueueEvents(queue: MergeQueue, output: CommandOutput): void {
  queue.events.on('entry:leased', ({ entry, worker }) =>
    output.line(`[${worker}] leased ${entry.id} (attempt ${entry.attempts}/${entry.max_attempts})`),
  );
  queue.events.on('check:finished', ({ entry, worker, result }) =>
    output.line(
      `[${worker}] ${entry.id} check ${result.name}: ${result.passed ? 'passed' : 'FAILED'} (${result.durationMs} ms)`,
    ),
  );
  queue.events.on('entry:landed', ({ entry, worker, commit }) =>
    output.line(`[${worker}] landed ${entry.id} as ${shortCommit(commit)}`),
  );
  queue.events.on('entry:retry_scheduled', ({ entry, worker, reason }) =>
    output.line(`[${worker}] ${entry.id} will retry: ${reason}`),
  );
  queue.events.on('entry:finished', ({ entry, worker }) =>
    output.line(`[${worker ?? 'queue'}] ${entry.id} ${entry.state}: ${entry.last_error ?? ''}`),
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
