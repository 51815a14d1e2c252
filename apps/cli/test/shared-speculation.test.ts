import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTemporaryRepository, runGit, type TemporaryRepository } from '@hyperion/git';
import { hyperion } from './run-cli.js';
import { startPostgresServer, type PostgresTestServer } from '../../../test-support/postgres-server.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let repository: TemporaryRepository | undefined;
let postgres: PostgresTestServer | undefined;

beforeAll(async () => {
  postgres = await startPostgresServer();
});

afterAll(async () => {
  await postgres?.stop();
});

afterEach(async () => {
  await repository?.cleanup();
  repository = undefined;
});

const PROCESSES = 3;
const CHANGES = 24;

/** An event as `hyperion log export` prints it. */
interface ExportedEvent {
  entry_id: string;
  type: string;
  worker: string | null;
  data: Record<string, unknown>;
}

/** The process a worker id names: `<host>-<pid>-<sequence>-p<token>` without the sequence. */
function processOf(worker: string): string {
  const match = /-(\d+)-\d+-p([0-9a-f]+)$/.exec(worker);
  if (match === null) throw new Error(`not a worker id: ${worker}`);
  return `${match[1]}-${match[2]}`;
}

describe('speculation shared by worker processes through the store', () => {
  it.each([
    ['the SQLite file', () => Promise.resolve({} as NodeJS.ProcessEnv)],
    [
      'a PostgreSQL database',
      async () =>
        ({ HYPERION_DATABASE_URL: await postgres!.createDatabase('speculation') }) as NodeJS.ProcessEnv,
    ],
  ])(
    'lets separate `hyperion worker` processes on %s stack their candidates on each other’s',
    async (title, storeEnvironment) => {
      const env = await storeEnvironment();
      repository = await createTemporaryRepository({ files: { 'README.md': '# speculation\n' } });
      const root = repository.root;
      const init = await hyperion(['init', '--repo', root, '--json'], { env });
      expect(init.stderr).toBe('');
      expect(init.code).toBe(0);
      const configFile = join(root, '.hyperion', 'config.json');
      const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
      writeFileSync(
        configFile,
        JSON.stringify({
          ...config,
          workers: 2,
          // A check that takes a while, so candidates are in flight while others build.
          checks: [{ name: 'slow-readme', command: 'sleep 0.4; test -s README.md' }],
          queue: { poll_ms: 50, backoff_base_ms: 50, backoff_max_ms: 500 },
        }),
      );
      const inputs = temporaryDirectory('hyperion-speculation-inputs');
      const ids: string[] = [];
      for (let index = 1; index <= CHANGES; index += 1) {
        const path = `files/file-${index}.txt`;
        const file = join(inputs, `T-${index}.json`);
        writeFileSync(
          file,
          JSON.stringify({
            task_id: `T-${index}`,
            agent: 'speculation-test',
            changes: [
              {
                path,
                operation: 'create',
                patch: `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+content ${index}\n`,
              },
            ],
          }),
        );
        const submitted = await hyperion(['submit', file, '--repo', root, '--json'], { env });
        expect(submitted.stderr).toBe('');
        expect(submitted.code).toBe(0);
        ids.push((JSON.parse(submitted.stdout) as { id: string }).id);
      }

      // Separate worker processes on one repository drain the one queue at once.
      const workers = await Promise.all(
        Array.from({ length: PROCESSES }, () =>
          hyperion(['worker', '--drain', '--repo', root, '--json'], { env }),
        ),
      );
      for (const worker of workers) {
        expect(worker.stderr).toBe('');
        expect(worker.code).toBe(0);
      }

      // Every change landed exactly once, on one straight first-parent line.
      const history = (await runGit(['log', '--first-parent', '--format=%B%x01', 'main'], { cwd: root }))
        .stdout;
      const landedIds = [...history.matchAll(/^Hyperion-Change: (\S+)$/gm)].map((match) => match[1]!);
      expect([...landedIds].sort()).toEqual([...ids].sort());
      const listed = await hyperion(['queue', 'list', '--repo', root, '--json'], { env });
      expect((JSON.parse(listed.stdout) as Array<{ state: string }>).map((entry) => entry.state)).toEqual(
        ids.map(() => 'landed'),
      );

      const exported = await hyperion(['log', 'export', '--repo', root], { env });
      expect(exported.code).toBe(0);
      const events = exported.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { kind?: string; event?: ExportedEvent })
        .filter((record) => record.kind === 'event')
        .map((record) => record.event!);
      const builder = new Map<string, string>();
      for (const event of events) {
        if (event.type === 'entry:committed' && event.worker !== null) {
          builder.set(event.data['commit'] as string, event.worker);
        }
      }
      const speculative = events.filter(
        (event) => event.type === 'entry:committed' && event.data['speculative'] === true,
      );
      // Stacked on a candidate another process built: only a board in the store makes that possible.
      const acrossProcesses = speculative.filter((event) => {
        const parentBuilder = builder.get(event.data['parent'] as string);
        return parentBuilder !== undefined && processOf(parentBuilder) !== processOf(event.worker!);
      });
      const processes = new Set(
        events.filter((event) => event.type === 'entry:landed').map((event) => processOf(event.worker!)),
      );
      const racesLost = events.filter((event) => event.type === 'entry:race_lost').length;
      // Timing decides these counts: reported, not asserted.
      console.log(
        `shared speculation (${title}): ${ids.length} changes landed by ${processes.size} processes; ` +
          `${speculative.length} speculative builds, ${acrossProcesses.length} on another process's candidate; ` +
          `${racesLost} lost races`,
      );
      expect(acrossProcesses.length).toBeGreaterThan(0);
      const verified = await hyperion(['log', 'verify', '--repo', root], { env });
      expect(verified.code).toBe(0);
    },
    300_000,
  );
});
