/**
 * Goes on quietly when the reader of standard output goes away (`hyperion log export | head -1`):
 * there is no one left to tell, and a closed pipe is not a failure of the command. Later writes go
 * nowhere. A long-running command (worker, run, watch: the ones that stop on SIGTERM) is stopped
 * as SIGTERM would stop it, finishing its in-flight entries; any other finishes its work and ends
 * with its own exit status (`log verify | true` still exits 7 on differences, so `pipefail` sees
 * it). A closed standard error is ignored the same way.
 */
export function endQuietlyOnClosedPipe(): void {
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (closed) return;
    closed = true;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM');
  });
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.stderr.write = (() => true) as typeof process.stderr.write;
  });
}
