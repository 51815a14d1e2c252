import { realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/**
 * The absolute path with symlinks resolved as far as it exists, so that two spellings of one
 * directory (`/tmp/x` and `/private/tmp/x` on macOS) compare equal.
 */
export function canonicalPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : resolve(canonicalPath(parent), basename(absolute));
  }
}
