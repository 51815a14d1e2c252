/**
 * The repository-relative paths a unified diff touches, read from its `diff --git`, `---` and
 * `+++` headers (`/dev/null` and the `a/` `b/` prefixes removed).
 */
export function pathsInDiff(diff: string): string[] {
  const paths = new Set<string>();
  for (const line of diff.split('\n')) {
    const gitHeader = /^diff --git a\/(\S+) b\/(\S+)/.exec(line);
    if (gitHeader !== null) {
      paths.add(gitHeader[1] ?? '');
      paths.add(gitHeader[2] ?? '');
      continue;
    }
    const fileHeader = /^(?:---|\+\+\+) (\S+)/.exec(line);
    const name = fileHeader?.[1];
    if (name === undefined || name === '/dev/null') continue;
    paths.add(name.replace(/^[ab]\//, ''));
  }
  return [...paths];
}
