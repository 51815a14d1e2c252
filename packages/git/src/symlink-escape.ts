import { lstat, readlink, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep } from 'node:path';

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/** Where a symlink points: its real path, or for a dangling link its target resolved lexically. */
async function symlinkTarget(link: string): Promise<string> {
  try {
    return await realpath(link);
  } catch {
    const target = await readlink(link);
    return isAbsolute(target) ? resolve(target) : resolve(dirname(link), target);
  }
}

/**
 * True when following `relativePath` from `root` (a real path) leaves `root`: lexically (`..`,
 * absolute) or through a symlink, at any component, including the last one and dangling links.
 */
async function escapes(root: string, relativePath: string): Promise<boolean> {
  if (!isInside(root, resolve(root, relativePath))) return true;
  let current = root;
  for (const segment of relativePath.split(/[\\/]/).filter((part) => part.length > 0 && part !== '.')) {
    const candidate = resolve(current, segment);
    if (!isInside(root, candidate)) return true;
    const stats = await lstat(candidate).catch(() => undefined);
    if (stats === undefined) return false;
    if (stats.isSymbolicLink()) {
      const target = await symlinkTarget(candidate);
      if (!isInside(root, target)) return true;
      current = target;
    } else {
      current = candidate;
    }
  }
  return false;
}

/** The subset of `paths` (relative to `root`) that resolve outside `root`, in input order. */
export async function pathsEscapingRoot(root: string, paths: string[]): Promise<string[]> {
  const realRoot = await realpath(root);
  const escaping: string[] = [];
  for (const path of paths) {
    if (await escapes(realRoot, path)) escaping.push(path);
  }
  return escaping;
}
