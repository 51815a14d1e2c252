/*
 * Measures, once (not a test, not part of `pnpm bench`), what writing a chain's trees and commits
 * costs as loose objects against one pack: 8 commits of one changed file each under `files/`
 * (100 files there), i.e. 8 root trees, 8 `files/` trees and 8 commits, as tryChainInOneGo writes
 * them. Each round writes into a fresh repository whose 256 `objects/xx` directories already exist
 * (as in a repository that has been used), alternating loose and packed.
 *
 *   cd packages/git && pnpm exec tsx scripts/measure-chain-pack.ts [rounds]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeCommitObject } from '../src/commit-object.js';
import { writeTreeOfEntries, type IndexEntry } from '../src/index-tree.js';
import { objectSha, type ObjectSink } from '../src/object-sink.js';
import { PackWriter } from '../src/pack-writer.js';

const rounds = Number(process.argv[2] ?? 30);
const identity = { name: 'Measure', email: 'measure@example.com' };

async function freshRepository(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hyperion-measure-'));
  execFileSync('git', ['init', '-q', root]);
  const gitDirectory = join(root, '.git');
  for (let byte = 0; byte < 256; byte += 1) {
    await mkdir(join(gitDirectory, 'objects', byte.toString(16).padStart(2, '0')), { recursive: true });
  }
  return root;
}

function entriesOf(round: number, changed: number): IndexEntry[] {
  const entries: IndexEntry[] = [
    { path: 'README.md', mode: 0o100644, sha: objectSha('blob', Buffer.from('r')) },
  ];
  for (let file = 0; file < 100; file += 1) {
    const text = file < changed ? `changed ${round} ${file}` : `file ${file}`;
    const path = `files/f${String(file).padStart(3, '0')}.txt`;
    entries.push({ path, mode: 0o100644, sha: objectSha('blob', Buffer.from(text)) });
  }
  return entries;
}

async function writeChain(sink: string | ObjectSink, round: number): Promise<string> {
  let parent = objectSha('commit', Buffer.from(`base ${round}`));
  for (let index = 1; index <= 8; index += 1) {
    const tree = (await writeTreeOfEntries(sink, entriesOf(round, index), new Map()))!;
    parent = await writeCommitObject(sink, {
      tree,
      parents: [parent],
      message: `entry ${index}\n`,
      identity,
      date: new Date(Date.UTC(2024, 0, 1, 0, round, index)),
    });
  }
  return parent;
}

const timings: Record<'loose' | 'packed', number[]> = { loose: [], packed: [] };
for (let round = 0; round < rounds; round += 1) {
  for (const kind of round % 2 === 0 ? (['loose', 'packed'] as const) : (['packed', 'loose'] as const)) {
    const root = await freshRepository();
    const gitDirectory = join(root, '.git');
    const start = performance.now();
    let tip: string;
    if (kind === 'loose') {
      tip = await writeChain(gitDirectory, round);
    } else {
      const writer = new PackWriter();
      tip = await writeChain(writer, round);
      await writer.write(gitDirectory);
    }
    timings[kind].push(performance.now() - start);
    // The blobs are not written, so only the chain's own objects can be read back.
    if (execFileSync('git', ['-C', root, 'cat-file', '-t', tip], { encoding: 'utf8' }) !== 'commit\n') {
      throw new Error(`${kind}: ${tip} not readable`);
    }
    await rm(root, { recursive: true, force: true });
  }
}
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} ms, mean ${mean.toFixed(2)} ms, min ${sorted[0]!.toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`;
};
console.log(`${rounds} rounds, 24 objects a chain (8 commits, 16 trees)`);
console.log(`loose:  ${summary(timings.loose)}`);
console.log(`packed: ${summary(timings.packed)}`);
