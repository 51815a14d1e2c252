import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { temporaryDirectory } from '../../test-support/temporary-directory.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function git(directory: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: directory, encoding: 'utf8' }).trim();
}

function pendingChangesets(directory: string): string[] {
  return readdirSync(join(directory, '.changeset')).filter(
    (file) => file.endsWith('.md') && file !== 'README.md',
  );
}

// `changeset version` on a clean clone of the committed tree (never in the repository itself): it
// must read every pending changeset, bump the packages they name and delete them.
it('`changeset version` works on a clean clone of HEAD', () => {
  const clone = join(temporaryDirectory('hyperion-changeset-version'), 'clone');
  git(root, 'clone', '-q', '--no-checkout', root, clone);
  git(clone, 'checkout', '-q', '--detach', git(root, 'rev-parse', 'HEAD'));
  // The tools (the changeset CLI, its changelog generator, prettier) come from the workspace.
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  const pending = pendingChangesets(clone);
  const namesSchema = pending.some((file) =>
    readFileSync(join(clone, '.changeset', file), 'utf8').includes('@hyperion/schema'),
  );
  const versionBefore = JSON.parse(readFileSync(join(clone, 'packages/schema/package.json'), 'utf8')).version;
  const result = spawnSync(process.execPath, [join(root, 'node_modules/@changesets/cli/bin.js'), 'version'], {
    cwd: clone,
    encoding: 'utf8',
  });
  expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  expect(pendingChangesets(clone)).toEqual([]);
  if (pending.length === 0) return; // nothing to release: nothing changes
  const changed = git(clone, 'status', '--porcelain').split('\n');
  expect(changed.some((line) => /packages\/[^/]+\/package\.json$/.test(line))).toBe(true);
  expect(changed.some((line) => /packages\/[^/]+\/CHANGELOG\.md$/.test(line))).toBe(true);
  const versionAfter = JSON.parse(readFileSync(join(clone, 'packages/schema/package.json'), 'utf8')).version;
  if (namesSchema) expect(versionAfter).not.toBe(versionBefore);
});
