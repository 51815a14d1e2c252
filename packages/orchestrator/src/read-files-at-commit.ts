import { runGit, type GitRepository } from '@hyperion/git';

/**
 * The contents of `paths` at `commit`, read in one `git cat-file --batch` call. Paths that do not
 * exist there (new files) are absent from the map.
 */
export async function readFilesAtCommit(
  repository: GitRepository,
  commit: string,
  paths: readonly string[],
): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  if (paths.length === 0) return contents;
  const result = await runGit(['cat-file', '--batch'], {
    cwd: repository.root,
    input: paths.map((path) => `${commit}:${path}\n`).join(''),
  });
  const output = Buffer.from(result.stdout, 'utf8');
  let offset = 0;
  for (const path of paths) {
    const headerEnd = output.indexOf(0x0a, offset);
    if (headerEnd < 0) break;
    const header = output.subarray(offset, headerEnd).toString('utf8');
    offset = headerEnd + 1;
    const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (match === null) continue;
    const size = Number(match[2]);
    if (match[1] === 'blob') contents.set(path, output.subarray(offset, offset + size).toString('utf8'));
    offset += size + 1;
  }
  return contents;
}
