import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { destination, pino, type Logger } from 'pino';

/**
 * The console tracing logger. It writes to a sink (`.hyperion/logs/hyperion.log`, or nowhere when
 * there is no `.hyperion/` yet) unless `HYPERION_LOG=1`, when it writes to standard error.
 */
export function createLogger(logsDirectory: string | undefined): Logger {
  const level = process.env['HYPERION_LOG_LEVEL'] ?? 'info';
  if (process.env['HYPERION_LOG'] === '1') return pino({ level }, destination(2));
  if (logsDirectory === undefined) return pino({ level: 'silent' });
  mkdirSync(logsDirectory, { recursive: true });
  return pino({ level }, destination({ dest: join(logsDirectory, 'hyperion.log'), sync: true, mkdir: true }));
}
