import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { destination, pino, type Logger, type LoggerOptions } from 'pino';
import { createJsonLineRedactor } from './redact-output.js';

/**
 * The console tracing logger. It writes to a sink (`.hyperion/logs/hyperion.log`, or nowhere when
 * there is no `.hyperion/` yet) unless `HYPERION_LOG=1`, when it writes to standard error. Every
 * line it writes has secrets redacted (`createJsonLineRedactor`), whatever was logged and by whom.
 */
export function createLogger(logsDirectory: string | undefined): Logger {
  const options: LoggerOptions = {
    level: process.env['HYPERION_LOG_LEVEL'] ?? 'info',
    hooks: { streamWrite: createJsonLineRedactor() },
  };
  if (process.env['HYPERION_LOG'] === '1') return pino(options, destination(2));
  if (logsDirectory === undefined) return pino({ level: 'silent' });
  mkdirSync(logsDirectory, { recursive: true });
  return pino(options, destination({ dest: join(logsDirectory, 'hyperion.log'), sync: true, mkdir: true }));
}
