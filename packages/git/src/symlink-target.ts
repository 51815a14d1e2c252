import { controlCharacterReason, printable, unsafePathReason } from '@hyperion/schema';

/**
 * Why a symlink at `linkPath` (repository-relative) pointing to `target` is unsafe, or
 * `undefined` when it stays inside the repository. Pure string logic, the way the link resolves
 * once checked out: an absolute target, or a relative one that climbs above the repository root
 * from the link's own directory, points outside; so does one that lands under `.git/` or
 * `.hyperion/`. An empty target or one holding control characters is refused too.
 */
export function unsafeSymlinkTargetReason(linkPath: string, target: string): string | undefined {
  const shown = `the symlink '${printable(linkPath)}'`;
  if (target.length === 0) return `${shown} has an empty target`;
  const control = controlCharacterReason(target);
  if (control !== undefined) return `${shown} has a target that ${control}`;
  if (target.startsWith('/')) return `${shown} points to the absolute path '${target}'`;
  const resolved = linkPath.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (resolved.length === 0) return `${shown} points outside the repository ('${target}')`;
      resolved.pop();
    } else {
      resolved.push(segment);
    }
  }
  // The repository root itself is inside; anything under .git/ or .hyperion/ is not a safe place.
  if (resolved.length === 0) return undefined;
  const unsafe = unsafePathReason(resolved.join('/'));
  return unsafe === undefined ? undefined : `${shown} points to '${target}', which ${unsafe}`;
}
