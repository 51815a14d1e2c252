import type { MergeQueue } from '@hyperion/queue';
import { printable } from '@hyperion/schema';

/**
 * Prints the queue's typed events as they happen, one line each. Reasons and check output come
 * from the patches' authors and their checks: `printable` neutralizes control characters before
 * they reach the terminal.
 */
export function printQueueEvents(queue: MergeQueue, write: (line: string) => void = console.log): void {
  queue.events.on('entry:enqueued', ({ entry }) => {
    write(`enqueued  ${entry.task_id}  ${entry.id}  (${entry.paths.join(', ')})`);
  });
  queue.events.on('entry:leased', ({ entry, worker }) => {
    write(`leased    ${entry.task_id}  by ${worker}`);
  });
  queue.events.on('check:finished', ({ entry, result }) => {
    write(`check     ${entry.task_id}  ${result.name} ${result.passed ? 'passed' : 'failed'}`);
  });
  queue.events.on('entry:landed', ({ entry, commit }) => {
    write(`landed    ${entry.task_id}  as ${commit.slice(0, 12)}`);
  });
  queue.events.on('entry:retry_scheduled', ({ entry, reason }) => {
    write(`retry     ${entry.task_id}  ${printable(reason)}`);
  });
  queue.events.on('entry:finished', ({ entry }) => {
    write(`finished  ${entry.task_id}  ${entry.state}: ${printable(entry.last_error ?? '')}`);
  });
}
