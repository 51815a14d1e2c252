import picomatch from 'picomatch';
import type { HyperionConfig } from '@hyperion/schema';
import type { ParsedPatchFile } from '@hyperion/git';

/** Why the risk policy holds a change for a human's approval (empty: it does not). */
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
  const binary = files.filter((file) => file.binary).map((file) => file.path);
  if (policy.binary_needs_approval && binary.length > 0) reasons.push(`binary files: ${binary.join(', ')}`);
  return reasons;
}
