import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../../test-support/temporary-directory.js';

const script = fileURLToPath(new URL('../check-changesets.mjs', import.meta.url));

function git(directory: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: directory, encoding: 'utf8' }).trim();
}

function write(directory: string, path: string, text: string): void {
  mkdirSync(dirname(join(directory, path)), { recursive: true });
  writeFileSync(join(directory, path), text);
}

function commit(directory: string, message: string): void {
  git(directory, 'add', '-A');
  git(directory, 'commit', '-q', '-m', message);
}

/** A workspace with a published package, a private one, and the changesets folder. */
function workspace(): string {
  const directory = temporaryDirectory('hyperion-changeset-check');
  git(directory, 'init', '-q', '-b', 'main');
  git(directory, 'config', 'user.name', 'Test');
  git(directory, 'config', 'user.email', 'test@example.com');
  git(directory, 'config', 'commit.gpgsign', 'false');
  write(directory, 'package.json', JSON.stringify({ name: 'root', private: true }));
  write(directory, '.changeset/config.json', '{}\n');
  write(directory, '.changeset/README.md', 'Changesets.\n');
  write(
    directory,
    'packages/widget/package.json',
    JSON.stringify({ name: '@acme/widget', version: '1.0.0', files: ['dist', 'src'] }),
  );
  write(directory, 'packages/widget/src/index.ts', 'export const widget = 1;\n');
  write(directory, 'packages/secret/package.json', JSON.stringify({ name: '@acme/secret', private: true }));
  write(directory, 'packages/secret/src/index.ts', 'export const secret = 1;\n');
  commit(directory, 'initial');
  return directory;
}

function check(directory: string, environment: Record<string, string> = {}) {
  const { CHANGESET_BASE: _ignored, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [script], {
    cwd: directory,
    encoding: 'utf8',
    env: { ...inherited, ...environment },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('check-changesets', () => {
  it('fails a commit that changes a shipped file without a changeset, naming the file', () => {
    const directory = workspace();
    write(directory, 'packages/widget/src/index.ts', 'export const widget = 2;\n');
    commit(directory, 'change the widget');
    const result = check(directory);
    expect(result.status).toBe(1);
    expect(result.output).toContain('packages/widget/src/index.ts');
    expect(result.output).toContain('adds no changeset');
  });

  it("checks the whole tree of a shallow clone that lacks HEAD's parent, and says so", () => {
    const directory = workspace();
    write(directory, 'packages/widget/src/index.ts', 'export const widget = 2;\n');
    write(directory, '.changeset/widget-two.md', "---\n'@acme/widget': minor\n---\n\nThe widget is 2.\n");
    commit(directory, 'change the widget');
    const shallow = temporaryDirectory('hyperion-changeset-shallow');
    rmSync(shallow, { recursive: true, force: true });
    git(directory, 'clone', '-q', '--depth', '1', `file://${directory}`, shallow);
    const passed = check(shallow);
    expect(passed.status).toBe(0);
    expect(passed.output).toContain('shallow clone');
    // A tree with shipped files and no changeset at all still fails.
    rmSync(join(shallow, '.changeset', 'widget-two.md'));
    git(shallow, 'commit', '-q', '-a', '--amend', '-m', 'no changeset');
    const bare = git(shallow, 'rev-parse', 'HEAD');
    const orphan = git(shallow, 'commit-tree', `${bare}^{tree}`, '-m', 'orphan');
    git(shallow, 'reset', '-q', '--hard', orphan);
    expect(check(shallow).status).toBe(1);
  });

  it('passes the same commit with a changeset naming the package', () => {
    const directory = workspace();
    write(directory, 'packages/widget/src/index.ts', 'export const widget = 2;\n');
    write(directory, '.changeset/widget-two.md', "---\n'@acme/widget': minor\n---\n\nThe widget is 2.\n");
    commit(directory, 'change the widget');
    expect(check(directory)).toMatchObject({ status: 0 });
  });

  it('passes with an empty changeset (an internal change)', () => {
    const directory = workspace();
    write(directory, 'packages/widget/src/index.ts', 'export const widget = 2;\n');
    write(directory, '.changeset/internal.md', '---\n---\n');
    commit(directory, 'internal change');
    expect(check(directory)).toMatchObject({ status: 0 });
  });

  it('asks nothing of tests, private packages and files outside the packages', () => {
    const directory = workspace();
    write(directory, 'packages/widget/src/index.test.ts', 'test\n');
    write(directory, 'packages/widget/test/more.ts', 'test\n');
    write(directory, 'packages/secret/src/index.ts', 'export const secret = 2;\n');
    write(directory, 'README.md', 'docs\n');
    commit(directory, 'tests and docs');
    expect(check(directory)).toMatchObject({ status: 0 });
  });

  it('counts package.json and the README as shipped even outside `files`', () => {
    const directory = workspace();
    write(directory, 'packages/widget/README.md', 'The widget.\n');
    commit(directory, 'a readme');
    expect(check(directory).status).toBe(1);
  });

  it('fails a changeset that names a package the workspace does not publish', () => {
    const directory = workspace();
    write(directory, 'packages/widget/src/index.ts', 'export const widget = 2;\n');
    write(
      directory,
      '.changeset/wrong.md',
      "---\n'@acme/secret': patch\n'@acme/nothing': patch\n---\n\nOops.\n",
    );
    commit(directory, 'a wrong changeset');
    const result = check(directory);
    expect(result.status).toBe(1);
    expect(result.output).toContain('"@acme/secret" is private');
    expect(result.output).toContain('"@acme/nothing" is not a package');
  });

  it('passes the commit `changeset version` makes (it deletes the changesets it released)', () => {
    const directory = workspace();
    write(directory, '.changeset/widget-two.md', "---\n'@acme/widget': minor\n---\n\nThe widget is 2.\n");
    commit(directory, 'a changeset');
    rmSync(join(directory, '.changeset/widget-two.md'));
    write(
      directory,
      'packages/widget/package.json',
      JSON.stringify({ name: '@acme/widget', version: '1.1.0', files: ['dist', 'src'] }),
    );
    write(directory, 'packages/widget/CHANGELOG.md', '# @acme/widget\n\n## 1.1.0\n');
    commit(directory, 'version packages');
    expect(check(directory)).toMatchObject({ status: 0 });
  });

  it('checks the whole branch against CHANGESET_BASE, and only the last commit without it', () => {
    const directory = workspace();
    git(directory, 'checkout', '-q', '-b', 'feature');
    write(directory, 'packages/widget/src/index.ts', 'export const widget = 2;\n');
    write(directory, '.changeset/widget-two.md', "---\n'@acme/widget': patch\n---\n\nTwo.\n");
    commit(directory, 'first, with its changeset');
    write(directory, 'packages/widget/src/index.ts', 'export const widget = 3;\n');
    commit(directory, 'second, without one');
    expect(check(directory, { CHANGESET_BASE: 'main' })).toMatchObject({ status: 0 });
    expect(check(directory).status).toBe(1);
    // A merge commit is checked as everything it merged.
    git(directory, 'checkout', '-q', 'main');
    git(directory, 'merge', '-q', '--no-ff', '-m', 'merge feature', 'feature');
    expect(check(directory)).toMatchObject({ status: 0 });
    expect(check(directory, { CHANGESET_BASE: 'no-such-ref' }).output).toContain('is not a commit');
  });

  it('sees a shipped file and a changeset whose names git would quote (non-ASCII, a quote, a tab)', () => {
    for (const name of [
      'packages/widget/src/größe.ts',
      'packages/widget/src/a"b.ts',
      'packages/widget/src/a\tb.ts',
    ]) {
      const directory = workspace();
      write(directory, name, 'export const size = 1;\n');
      commit(directory, 'an oddly named file');
      const result = check(directory);
      expect(result.status, name).toBe(1);
      expect(result.output).toContain('adds no changeset');
    }
    const directory = workspace();
    write(directory, 'packages/widget/src/index.ts', 'export const widget = 2;\n');
    write(directory, '.changeset/größe.md', "---\n'@acme/widget': patch\n---\n\nTwo.\n");
    commit(directory, 'a changeset with a non-ASCII name');
    expect(check(directory)).toMatchObject({ status: 0 });
  });
});
