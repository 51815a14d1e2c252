import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { unsafePathReason } from '@hyperion/schema';

/**
 * Why the stub may not touch `path`, or `undefined` when it may: the path must be safe
 * (relative, normalized, not under `.git/`), in `filesInScope` (an entry ending in `/` covers a
 * directory), must not be a symbolic link and must not leave `workingDirectory` through one.
 */
export async function editPathProblem(
  path: string,
  workingDirectory: string,
  filesInScope: readonly string[],
): Promise<string | undefined> {
  const unsafe = unsafePathReason(path);
  if (unsafe !== undefined) return `unsafe path "${path}": ${unsafe}`;
  if (!isInScope(path, filesInScope)) return `"${path}" is outside the files in scope`;
  const root = await realpath(workingDirectory);
  if (await isSymbolicLink(resolve(root, path))) return `"${path}" is a symbolic link`;
  const target = await realpathOfNearestExisting(resolve(root, path));
  if (!isInside(root, target)) return `"${path}" leaves the working directory through a symbolic link`;
  return undefined;
}

async function isSymbolicLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

function isInScope(path: string, filesInScope: readonly string[]): boolean {
  return filesInScope.some((entry) => entry === path || (entry.endsWith('/') && path.startsWith(entry)));
}

function isInside(root: string, target: string): boolean {
  const fromRoot = relative(root, target);
  return fromRoot === '' || (!fromRoot.startsWith(`..${sep}`) && fromRoot !== '..' && !isAbsolute(fromRoot));
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest. */
async function realpathOfNearestExisting(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return resolve(await realpathOfNearestExisting(parent), relative(parent, path));
  }
}
