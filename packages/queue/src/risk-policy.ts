import picomatch from 'picomatch';
import type { HyperionConfig } from '@hyperion/schema';
import type { ParsedPatchFile } from '@hyperion/git';

/**
 * Why the risk policy holds a change for a human's approval (empty: it does not): high-risk
 * paths, too many changed lines, deletions, and — under `policy.binary_needs_approval` — binary
 * content, symlinks and gitlinks.
 */
export function riskReasons(files: ParsedPatchFile[], policy: HyperionConfig['policy']): string[] {
  const reasons: string[] = [];
  const risky = picomatch(policy.risk_paths, { dot: true });
  const riskyPaths = files.map((file) => file.path).filter((path) => risky(path));
  if (riskyPaths.length > 0) reasons.push(`touches high-risk paths: ${riskyPaths.join(', ')}`);
  const changedLines = files
    .flatMap((file) => file.hunks)
    .reduce((total, hunk) => total + hunk.addedLines + hunk.removedLines, 0);
  if (changedLines > policy.max_changed_lines) {
    reasons.push(
      `changes ${changedLines} lines, over policy.max_changed_lines (${policy.max_changed_lines})`,
    );
  }
  const deleted = files.filter((file) => file.operation === 'delete').map((file) => file.path);
  if (policy.deletions_need_approval && deleted.length > 0)
    reasons.push(`deletes files: ${deleted.join(', ')}`);
  if (policy.binary_needs_approval) reasons.push(...specialFileReasons(files));
  return reasons;
}

/**
 * What `policy.binary_needs_approval` holds: binary patches, text hunks whose content git would
 * treat as binary (NUL bytes), symlinks created or changed (their target shown), and gitlinks.
 */
function specialFileReasons(files: ParsedPatchFile[]): string[] {
  const reasons: string[] = [];
  const list = (chosen: ParsedPatchFile[], show = (file: ParsedPatchFile) => file.path) =>
    chosen.map(show).join(', ');
  const binary = files.filter((file) => file.binary);
  if (binary.length > 0) reasons.push(`binary files: ${list(binary)}`);
  const nul = files.filter((file) => !file.binary && file.nulBytes);
  if (nul.length > 0) reasons.push(`content with NUL bytes (binary to git): ${list(nul)}`);
  const symlinks = files.filter((file) => file.newMode === 'symlink');
  if (symlinks.length > 0) {
    const shown = list(symlinks, (file) => `${file.path} -> ${file.symlinkTarget ?? ''}`);
    reasons.push(`creates or changes symlinks: ${shown}`);
  }
  const gitlinks = files.filter((file) => file.newMode === 'gitlink' || file.oldMode === 'gitlink');
  if (gitlinks.length > 0) reasons.push(`changes gitlinks (submodule commits): ${list(gitlinks)}`);
  return reasons;
}
