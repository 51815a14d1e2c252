/**
 * Ends the process quietly, with exit status 0, when the reader of standard output or standard
 * error goes away (`hyperion log export | head -1`): there is no one left to tell, and a closed
 * pipe is not a failure of the command. Whatever the command had written to the store is
 * committed already (every write is a transaction); a worker's lease simply expires.
 */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
}
