import { CommanderError } from 'commander';
import { HyperionError } from '@hyperion/schema';

/** Whether a commander error is a request for help or the version (exit 0), not a mistake. */
export function isCommanderSuccess(error: CommanderError): boolean {
  return (
    error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0
  );
}

function fileSystemError(error: NodeJS.ErrnoException): HyperionError | undefined {
  if (error.code !== 'EACCES' && error.code !== 'EPERM' && error.code !== 'EROFS') return undefined;
  const path = typeof error.path === 'string' ? error.path : '(unknown path)';
  const reason = error.code === 'EROFS' ? 'read-only file system' : 'permission denied';
  return new HyperionError('permission_denied', `cannot write ${path}: ${reason} (${error.code})`, {
    cause: error,
    details: { path, errno: error.code },
  });
}

function sqliteError(error: Error & { code: string }): HyperionError | undefined {
  if (error.code.startsWith('SQLITE_READONLY')) {
    return new HyperionError(
      'permission_denied',
      `the store cannot be written: ${error.message} (${error.code})`,
      {
        cause: error,
        details: { sqlite: error.code },
      },
    );
  }
  if (error.code === 'SQLITE_NOTADB' || error.code.startsWith('SQLITE_CORRUPT')) {
    return new HyperionError(
      'store_corrupt',
      `the store is damaged: ${error.message} (${error.code}); restore it from a backup or a shipped log ('hyperion log import')`,
      { cause: error, details: { sqlite: error.code } },
    );
  }
  return undefined;
}

/**
 * Every error a command ends with, as a HyperionError with its documented code: commander's
 * mistakes are `usage`; a read-only file or directory is `permission_denied`; a damaged store
 * found in the middle of a command is `store_corrupt`; anything else unexpected is `internal`.
 */
export function toHyperionError(error: unknown): HyperionError {
  if (HyperionError.isInstance(error)) return error;
  if (error instanceof CommanderError) {
    const message = error.message.replace(/^error:\s*/, '');
    return new HyperionError('usage', `${message} (run with --help for usage)`, {
      cause: error,
      details: { commander: error.code },
    });
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') {
      const translated =
        error.name === 'SqliteError'
          ? sqliteError(error as Error & { code: string })
          : fileSystemError(error as NodeJS.ErrnoException);
      if (translated !== undefined) return translated;
    }
  }
  return new HyperionError('internal', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}

/**
 * A message as one line: line breaks collapsed. The caller shows its control characters as
 * visible text (`printable` from `@hyperion/schema`), as every line printed from hostile text is.
 */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
