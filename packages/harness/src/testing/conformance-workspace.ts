import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** A temporary directory holding the working directory of a check and a sibling it must not touch. */
export interface ConformanceWorkspace {
  /** The temporary root. */
  root: string;
  /** The agent's working directory: `<root>/workspace`, a git repository with one commit. */
  workingDirectory: string;
  /** A sibling directory holding one file: `<root>/outside`. */
  outside: string;
  /** Every file under the root except the working directory, with its content. */
  snapshotOutside(): Promise<Map<string, string>>;
  /** Removes the root. */
  remove(): Promise<void>;
}

/** Creates a {@link ConformanceWorkspace}. */
export async function createConformanceWorkspace(): Promise<ConformanceWorkspace> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'hyperion-conformance-')));
  const workingDirectory = join(root, 'workspace');
  const outside = join(root, 'outside');
  await mkdir(workingDirectory);
  await mkdir(outside);
  await writeFile(join(outside, 'sentinel.txt'), 'must not change\n');
  await writeFile(join(workingDirectory, 'README.md'), '# conformance\n');
  await initializeRepository(workingDirectory);
  return {
    root,
    workingDirectory,
    outside,
    snapshotOutside: () => snapshot(root, '', new Map()),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

async function initializeRepository(directory: string): Promise<void> {
  const git = (...gitArguments: string[]) => promisify(execFile)('git', gitArguments, { cwd: directory });
  await git('init', '-q');
  await git('add', '.');
  await git(
    '-c',
    'user.name=conformance',
    '-c',
    'user.email=conformance@example.invalid',
    'commit',
    '-qm',
    'base',
  );
}

async function snapshot(
  root: string,
  prefix: string,
  files: Map<string, string>,
): Promise<Map<string, string>> {
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (path === 'workspace') continue;
    if (entry.isDirectory()) await snapshot(root, path, files.set(path, 'directory'));
    else if (entry.isSymbolicLink()) files.set(path, `symlink to ${await readlink(join(root, path))}`);
    else files.set(path, await readFile(join(root, path), 'utf8'));
  }
  return files;
}
