import { runGit } from './run-git.js';

/**
 * The paths of each file section of `git apply --numstat -z` output: `added TAB deleted TAB path
 * NUL`, or for a rename or copy `added TAB deleted TAB NUL old NUL new NUL` (both paths, once
 * each when they are the same).
 */
export function numstatSections(output: string): string[][] {
  const fields = output.split('\0');
  const sections: string[][] = [];
  for (let index = 0; index < fields.length; index += 1) {
    const field = fields[index]!;
    if (field === '') continue;
    const path = field.split('\t').slice(2).join('\t');
    if (path !== '') sections.push([path]);
    else {
      sections.push([...new Set([fields[index + 1] ?? '', fields[index + 2] ?? ''])]);
      index += 2;
    }
  }
  return sections;
}

/** What git reads in a patch: the paths of each file section, or why it cannot read it. */
export type PatchPathsAsGitReadsThem =
  { readable: true; sections: string[][] } | { readable: false; reason: string };

/**
 * The paths git itself would change with `patch`, file section by file section, as
 * `git apply --numstat -z` reads them in `root` (it only parses: nothing is applied or checked,
 * so the answer does not depend on any tree). A patch parser of our own can be led to read other
 * paths than git does (a `--no-prefix` patch, a quoted path that is not UTF-8, a section hidden
 * after a binary hunk); what git reads is what it would write.
 */
export async function patchPathsAsGitReadsThem(
  root: string,
  patch: string,
): Promise<PatchPathsAsGitReadsThem> {
  const result = await runGit(['apply', '--numstat', '-z', '-'], {
    cwd: root,
    input: patch,
    allowFailure: true,
  });
  if (result.exitCode !== 0) {
    const reason = result.stderr.trim().split('\n')[0] ?? '';
    return { readable: false, reason: reason === '' ? `git apply exited with ${result.exitCode}` : reason };
  }
  return { readable: true, sections: numstatSections(result.stdout) };
}
