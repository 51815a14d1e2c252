import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTemporaryRepository, runGit, type TemporaryRepository } from '@hyperion/git';
import { hyperion } from './run-cli.js';
import { startPostgresServer, type PostgresTestServer } from '../../../test-support/postgres-server.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let seed: TemporaryRepository | undefined;
let postgres: PostgresTestServer | undefined;

beforeAll(async () => {
  postgres = await startPostgresServer();
});

afterAll(async () => {
  await postgres?.stop();
});

afterEach(async () => {
  await seed?.cleanup();
  seed = undefined;
});

const CLONES = 3;
const STACKED = 8;
const DISJOINT = 12;

/** A change request file; `patch` is a git patch of `path`. */
function changeFile(directory: string, task: string, path: string, operation: string, patch: string): string {
  const file = join(directory, `${task}.json`);
  writeFileSync(
    file,
    JSON.stringify({ task_id: task, agent: 'remote-test', changes: [{ path, operation, patch }] }),
  );
  return file;
}

/** Appends `line` to common.txt, made on top of `lines` (its content when the change's turn comes). */
function appendPatch(lines: string[], line: string): string {
  const last = lines.length;
  return `diff --git a/common.txt b/common.txt\n--- a/common.txt\n+++ b/common.txt\n@@ -${last},1 +${last},2 @@\n ${lines[last - 1]}\n+${line}\n`;
}

function createPatch(path: string, content: string): string {
  return `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+${content}\n`;
}

async function git(args: string[], cwd: string): Promise<string> {
  return (await runGit(args, { cwd })).stdout;
}

/** The one store every clone shares: its environment, and what `init --json` says of it. */
interface SharedStore {
  env: NodeJS.ProcessEnv;
  store: Record<string, unknown>;
}

/** A SQLite file outside every clone, named by HYPERION_STORE_FILE. */
function sharedSqliteFile(directory: string): Promise<SharedStore> {
  const storeFile = join(directory, 'shared-store', 'hyperion.db');
  return Promise.resolve({ env: { HYPERION_STORE_FILE: storeFile }, store: { file: storeFile } });
}

/** A PostgreSQL database, named by HYPERION_DATABASE_URL. */
async function sharedPostgresDatabase(): Promise<SharedStore> {
  const url = await postgres!.createDatabase('remote');
  return { env: { HYPERION_DATABASE_URL: url }, store: { kind: 'postgres', location: url } };
}

describe('several clones landing on one remote', () => {
  it.each([
    ['one SQLite file', sharedSqliteFile],
    ['one PostgreSQL database', sharedPostgresDatabase],
  ])(
    'lands every change exactly once on the remote branch, stacked ones in submission order, with three worker processes in three clones sharing %s',
    async (title, sharedStore) => {
      seed = await createTemporaryRepository({
        files: { 'common.txt': 'line 0\n', 'README.md': '# shared\n' },
      });
      const directory = temporaryDirectory('hyperion-remote-landing');
      const remote = join(directory, 'remote.git');
      await runGit(['clone', '--quiet', '--bare', seed.root, remote], { cwd: directory });
      const { env, store } = await sharedStore(directory);
      const clones: string[] = [];
      for (let index = 0; index < CLONES; index += 1) {
        const clone = join(directory, `host-${index}`);
        await runGit(['clone', '--quiet', remote, clone], { cwd: directory });
        const init = await hyperion(['init', '--repo', clone, '--json'], { env });
        expect(init.stderr).toBe('');
        expect(init.code).toBe(0);
        // The first init creates the shared store; the others find it and keep it.
        expect(JSON.parse(init.stdout)).toMatchObject({
          store: { ...store, action: index === 0 ? 'created' : 'kept' },
        });
        const configFile = join(clone, '.hyperion', 'config.json');
        const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
        writeFileSync(
          configFile,
          JSON.stringify({
            ...config,
            remote: 'origin',
            workers: 2,
            checks: [{ name: 'common-exists', command: 'test -s common.txt' }],
            queue: { poll_ms: 50, backoff_base_ms: 50, backoff_max_ms: 500 },
          }),
        );
        clones.push(clone);
      }

      // Submissions go through every clone, against the remote tip (plus the entries ahead).
      const inputs = temporaryDirectory('hyperion-remote-inputs');
      const lines = ['line 0'];
      const expectedFiles = new Map<string, string>([['README.md', '# shared\n']]);
      const submissions: Array<{ task: string; path: string; operation: string; patch: string }> = [];
      for (let index = 1; index <= STACKED + DISJOINT; index += 1) {
        // Stacked changes and disjoint ones alternate while the stacked ones last.
        const stacked = index % 2 === 1 && lines.length <= STACKED;
        if (stacked) {
          const line = `line ${lines.length}`;
          submissions.push({
            task: `T-${index}`,
            path: 'common.txt',
            operation: 'update',
            patch: appendPatch(lines, line),
          });
          lines.push(line);
        } else {
          const path = `host-files/file-${index}.txt`;
          submissions.push({
            task: `T-${index}`,
            path,
            operation: 'create',
            patch: createPatch(path, `content ${index}`),
          });
          expectedFiles.set(path, `content ${index}\n`);
        }
      }
      expectedFiles.set('common.txt', `${lines.join('\n')}\n`);
      expect(lines).toHaveLength(STACKED + 1);
      const ids: string[] = [];
      for (const [index, submission] of submissions.entries()) {
        const file = changeFile(
          inputs,
          submission.task,
          submission.path,
          submission.operation,
          submission.patch,
        );
        const submitted = await hyperion(['submit', file, '--repo', clones[index % CLONES]!, '--json'], {
          env,
        });
        expect(submitted.stderr).toBe('');
        expect(submitted.code).toBe(0);
        ids.push((JSON.parse(submitted.stdout) as { id: string }).id);
      }

      // Three worker processes, one per clone, drain the one queue at the same time.
      const workers = await Promise.all(
        clones.map((clone) => hyperion(['worker', '--drain', '--repo', clone, '--json'], { env })),
      );
      const summaries = workers.map((worker) => {
        expect(worker.stderr).toBe('');
        expect(worker.code).toBe(0);
        return (JSON.parse(worker.stdout) as { summary: Record<string, number> }).summary;
      });
      const landed = summaries.reduce((sum, summary) => sum + (summary['landed'] ?? 0), 0);
      const alreadyLanded = summaries.reduce((sum, summary) => sum + (summary['already_landed'] ?? 0), 0);
      expect(landed + alreadyLanded).toBe(ids.length);

      // Exactly once: each change's trailer appears once on the remote's first-parent history.
      const history = await git(['log', '--first-parent', '--format=%H%x00%B%x01', 'main'], remote);
      const records = history
        .split('\x01')
        .map((record) => record.replace(/^\n/, ''))
        .filter((record) => record !== '');
      const changeIds = records.flatMap((record) =>
        [...record.matchAll(/^Hyperion-Change: (\S+)$/gm)].map((match) => match[1]!),
      );
      expect([...changeIds].sort()).toEqual([...ids].sort());
      expect(records).toHaveLength(ids.length + 1);
      const firstParentCommits = new Set(records.map((record) => record.split('\0')[0]!));

      // The remote tree is exactly the expected one; the stacked lines are in submission order.
      const paths = (await git(['ls-tree', '-r', '--name-only', 'main'], remote)).split('\n').filter(Boolean);
      expect(paths.sort()).toEqual([...expectedFiles.keys()].sort());
      for (const [path, content] of expectedFiles) {
        expect(await git(['show', `main:${path}`], remote), path).toBe(content);
      }

      // The store agrees: every entry landed, as a commit on the remote's first-parent history.
      const listed = await hyperion(['queue', 'list', '--repo', clones[0]!, '--json'], { env });
      const entries = JSON.parse(listed.stdout) as Array<{
        id: string;
        state: string;
        landed_commit: string | null;
      }>;
      expect(entries.map((entry) => entry.state)).toEqual(ids.map(() => 'landed'));
      for (const entry of entries) expect(firstParentCommits.has(entry.landed_commit ?? '')).toBe(true);

      for (const clone of clones) {
        const verified = await hyperion(['log', 'verify', '--repo', clone], { env });
        expect(verified.stdout).toContain('the live queue matches its event log');
        expect(verified.code).toBe(0);
      }

      // The workers did collide: report how often (timing decides, so it is reported, not asserted).
      const exported = await hyperion(['log', 'export', '--repo', clones[0]!], { env });
      const events = exported.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { kind?: string; event?: { type: string; worker: string | null } })
        .filter((record) => record.kind === 'event')
        .map((record) => record.event!);
      const racesLost = events.filter((event) => event.type === 'entry:race_lost').length;
      const landers = new Set(
        events.filter((event) => event.type === 'entry:landed').map((event) => event.worker),
      );
      console.log(
        `remote landing (${title}): ${ids.length} changes landed by ${landers.size} workers in ${CLONES} clones; ${racesLost} lost races; summaries ${JSON.stringify(summaries)}`,
      );
    },
    300_000,
  );

  it('says at once which remote and branch is missing, and refuses a relative store file', async () => {
    seed = await createTemporaryRepository();
    const directory = temporaryDirectory('hyperion-remote-missing');
    const remote = join(directory, 'remote.git');
    await runGit(['clone', '--quiet', '--bare', seed.root, remote], { cwd: directory });
    const clone = join(directory, 'host');
    await runGit(['clone', '--quiet', remote, clone], { cwd: directory });
    const env = { HYPERION_STORE_FILE: join(directory, 'store.db') };
    expect((await hyperion(['init', '--repo', clone], { env })).code).toBe(0);
    const configFile = join(clone, '.hyperion', 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(configFile, JSON.stringify({ ...config, remote: 'origin', target_branch: 'release' }));
    // The clone has a local `release`, the remote has none: the remote is what counts.
    await runGit(['branch', 'release'], { cwd: clone });
    const worker = await hyperion(['worker', '--drain', '--repo', clone], { env });
    expect(worker.code).toBe(4);
    expect(worker.stderr).toMatch(
      /^error\[branch_not_found\]: target branch 'release' on remote 'origin' does not exist/,
    );
    writeFileSync(configFile, JSON.stringify({ ...config, remote: '--upload-pack=touch pwned' }));
    const badRemote = await hyperion(['worker', '--drain', '--repo', clone], { env });
    expect(badRemote.code).toBe(3);
    expect(badRemote.stderr).toMatch(/remote: must not start with "-"/);
    const relative = await hyperion(['queue', 'list', '--repo', clone], {
      env: { HYPERION_STORE_FILE: 'store.db' },
    });
    expect(relative.code).toBe(3);
    expect(relative.stderr).toContain('HYPERION_STORE_FILE: must be an absolute path');
  });

  it("bases a request's developers on the remote tip, not on the clone's older branch", async () => {
    seed = await createTemporaryRepository({ files: { 'README.md': '# shared\n' } });
    const directory = temporaryDirectory('hyperion-remote-request');
    const remote = join(directory, 'remote.git');
    await runGit(['clone', '--quiet', '--bare', seed.root, remote], { cwd: directory });
    const { env } = await sharedPostgresDatabase();
    const clones = [join(directory, 'host-a'), join(directory, 'host-b')];
    for (const clone of clones) {
      await runGit(['clone', '--quiet', remote, clone], { cwd: directory });
      expect((await hyperion(['init', '--repo', clone], { env })).code).toBe(0);
      const configFile = join(clone, '.hyperion', 'config.json');
      const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
      writeFileSync(configFile, JSON.stringify({ ...config, remote: 'origin' }));
    }
    // Host A lands a line on the remote; host B's own main stays where it was cloned.
    const inputs = temporaryDirectory('hyperion-remote-request-inputs');
    const readmePatch =
      'diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1,2 @@\n # shared\n+landed from A\n';
    const submitted = await hyperion(
      ['submit', changeFile(inputs, 'T-A', 'README.md', 'update', readmePatch), '--repo', clones[0]!],
      { env },
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    expect((await hyperion(['worker', '--drain', '--repo', clones[0]!], { env })).code).toBe(0);
    // A request on host B whose edit only applies on top of A's line.
    const requestFile = join(inputs, 'request.json');
    writeFileSync(
      requestFile,
      JSON.stringify({
        request_id: 'REQ-B',
        summary: 'Extend the README',
        requested_changes: [
          {
            path: 'README.md',
            diff: '--- a/README.md\n+++ b/README.md\n@@ -1,2 +1,3 @@\n # shared\n landed from A\n+requested on B\n',
          },
        ],
      }),
    );
    const request = await hyperion(['request', requestFile, '--repo', clones[1]!, '--wait'], { env });
    expect(request.stderr).toBe('');
    expect(request.code).toBe(0);
    expect(await git(['show', 'main:README.md'], remote)).toBe('# shared\nlanded from A\nrequested on B\n');
  });
});
