import { lstatSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/** Where a symlink points: its real path, or for a dangling link its target resolved lexically. */
function symlinkTarget(link: string): string {
  try {
    return realpathSync(link);
  } catch {
    const target = readlinkSync(link);
    return isAbsolute(target) ? resolve(target) : resolve(dirname(link), target);
  }
}

/**
 * `lstat` of `path`, or undefined when nothing can be there: it does not exist, a component
 * before it is a file (`ENOTDIR`: a patch creating `d/x` where `d` is a file), or it is too long.
 */
function existingEntry(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'ENAMETOOLONG') return undefined;
    throw error;
  }
}

/**
 * True when following `relativePath` from `root` (a real path) leaves `root`: lexically (`..`,
 * absolute) or through a symlink, at any component, including the last one and dangling links.
 */
function escapes(root: string, relativePath: string): boolean {
  if (!isInside(root, resolve(root, relativePath))) return true;
  let current = root;
  for (const segment of relativePath.split(/[\\/]/).filter((part) => part.length > 0 && part !== '.')) {
    const candidate = resolve(current, segment);
    if (!isInside(root, candidate)) return true;
    const stats = existingEntry(candidate);
    if (stats === undefined) return false;
    if (stats.isSymbolicLink()) {
      const target = symlinkTarget(candidate);
      if (!isInside(root, target)) return true;
      current = target;
    } else {
      current = candidate;
    }
  }
  return false;
}

/**
 * The subset of `paths` (relative to `root`) that resolve outside `root`, in input order. The few
 * file-system calls per path are made synchronously: each is microseconds, and a trip through
 * libuv's thread pool per call cost more than the call on a loaded machine.
 */
export async function pathsEscapingRoot(root: string, paths: string[]): Promise<string[]> {
  const realRoot = realpathSync(root);
  const escaping: string[] = [];
  for (const path of paths) {
    if (escapes(realRoot, path)) escaping.push(path);
  }
  return escaping;
}
