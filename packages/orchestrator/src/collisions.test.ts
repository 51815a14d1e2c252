import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, runGit, type TemporaryRepository } from '@hyperion/git';
import { CommandHarness } from '@hyperion/harness';
import { MergeQueue } from '@hyperion/queue';
import {
  HyperionConfigSchema,
  HyperionError,
  TaskRequestSchema,
  type HyperionConfigInput,
  type TaskRequestInput,
} from '@hyperion/schema';
import { SqliteStore } from '@hyperion/store';
import { runRequestPipeline, type RequestPipelineOptions } from './request-pipeline.js';

/**
 * A real agent process: for each file in scope, appends the prompt's `tag=NAME` to the file's
 * `owners:` line, as it reads in the developer's worktree. Two developers starting from the same
 * commit therefore edit the same line in two different ways (a true conflict), while a developer
 * starting from the projected tip extends the other's edit.
 */
const AGENT_SCRIPT = `
const { readFileSync, writeFileSync } = require('node:fs');
const [prompt, ...files] = process.argv.slice(2);
const tag = /tag=([A-Za-z0-9-]+)/.exec(prompt);
if (tag === null) process.exit(0);
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/^owners: (.*)$/m, (line, list) => 'owners: ' + list + ', ' + tag[1]));
}
console.log('tagged ' + files.join(' '));
`;

interface Setup {
  temporary: TemporaryRepository;
  store: SqliteStore;
  queue: MergeQueue;
  options: RequestPipelineOptions;
  scriptDirectory: string;
}

let setup: Setup | undefined;

afterEach(async () => {
  await setup?.store.close();
  await setup?.temporary.cleanup();
  if (setup !== undefined) rmSync(setup.scriptDirectory, { recursive: true, force: true });
  setup = undefined;
});

async function createSetup(orchestrator: HyperionConfigInput['orchestrator'] = {}): Promise<Setup> {
  const temporary = await createTemporaryRepository({
    files: {
      'owners.txt': '# who owns this\nowners: alice\n# end\n',
      'team.txt': 'team\nowners: bob\n',
    },
  });
  const store = SqliteStore.open(join(temporary.root, '.hyperion', 'hyperion.db'), { create: true });
  const worktreesDirectory = join(temporary.root, '.hyperion', 'worktrees');
  const config = HyperionConfigSchema.parse({
    queue: { backoff_base_ms: 10, poll_ms: 20, max_attempts: 1 },
    orchestrator,
  });
  const queue = new MergeQueue({ store, repository: temporary.repository, config, worktreesDirectory });
  const scriptDirectory = mkdtempSync(join(tmpdir(), 'hyperion-tag-agent-'));
  const script = join(scriptDirectory, 'tag-agent.cjs');
  writeFileSync(script, AGENT_SCRIPT);
  const harness = new CommandHarness({ command: [process.execPath, script, '{prompt}', '{files}'] });
  const options: RequestPipelineOptions = {
    repository: temporary.repository,
    store,
    queue,
    harness,
    worktreesDirectory,
    config,
    planWithModel: false,
  };
  setup = { temporary, store, queue, options, scriptDirectory };
  return setup;
}

/** `store`, observed: `waitingStarted` resolves once something waits for a change through it. */
function observeWaiting(store: SqliteStore): { observedStore: SqliteStore; waitingStarted: Promise<void> } {
  let waiting!: () => void;
  const waitingStarted = new Promise<void>((resolve) => (waiting = resolve));
  const observedStore = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...parameters: unknown[]) => {
        if (property === 'waitForChange') waiting();
        return (value as (...items: unknown[]) => unknown).apply(target, parameters);
      };
    },
  });
  return { observedStore, waitingStarted };
}

function tagRequest(id: string, changes: TaskRequestInput['requested_changes']) {
  return TaskRequestSchema.parse({ request_id: id, summary: `Request ${id}`, requested_changes: changes });
}

async function fileAt(temporary: TemporaryRepository, commit: string, path: string): Promise<string> {
  return (await runGit(['show', `${commit}:${path}`], { cwd: temporary.root })).stdout;
}

async function branchFile(temporary: TemporaryRepository, path: string): Promise<string> {
  return fileAt(temporary, 'main', path);
}

describe('collisions predicted across requests', () => {
  it('stacks a second request on the same line on the projected tip: it lands cleanly after the first', async () => {
    const { temporary, store, queue, options } = await createSetup();
    const first = await runRequestPipeline(
      tagRequest('R-1', [{ path: 'owners.txt', summary: 'Add the owner tag=R1' }]),
      options,
    );
    expect(first.collisions).toEqual({ policy: 'stack', reports: [] });
    const firstEntry = first.enqueued[0]!.change_id;
    const second = await runRequestPipeline(
      tagRequest('R-2', [{ path: 'owners.txt', summary: 'Add the owner tag=R2' }]),
      options,
    );
    expect(second.collisions.reports).toEqual([
      {
        task_id: 'R-2-1',
        overlaps: [
          {
            change_id: firstEntry,
            task_id: 'R-1-1',
            request_id: 'R-1',
            state: 'queued',
            files: ['owners.txt'],
          },
        ],
        action: 'stacked',
        base_commit: second.assignments[0]!.base_commit,
        stacked_on: [firstEntry],
      },
    ]);
    const projected = second.assignments[0]!.base_commit;
    expect(projected).not.toBe(second.base_commit);
    // The projected tip is the branch plus the first request's change, not yet landed.
    expect(await fileAt(temporary, projected, 'owners.txt')).toContain('owners: alice, R1\n');
    expect(await branchFile(temporary, 'owners.txt')).toContain('owners: alice\n');
    expect(second.enqueued[0]!.depends_on).toEqual([firstEntry]);
    const enqueuedEvent = (await store.listEvents({ entryId: second.enqueued[0]!.change_id })).find(
      (event) => event.type === 'entry:enqueued',
    );
    expect(enqueuedEvent?.data['collision']).toEqual({
      action: 'stacked',
      base_commit: projected,
      overlaps: [{ change_id: firstEntry, files: ['owners.txt'] }],
    });

    await queue.runWorkers({ mode: 'drain', workers: 2 });
    const firstLanded = await store.requireEntry(firstEntry);
    const secondLanded = await store.requireEntry(second.enqueued[0]!.change_id);
    expect([firstLanded.state, secondLanded.state]).toEqual(['landed', 'landed']);
    expect(await branchFile(temporary, 'owners.txt')).toBe('# who owns this\nowners: alice, R1, R2\n# end\n');
    const parent = await runGit(['rev-parse', `${secondLanded.landed_commit}^`], { cwd: temporary.root });
    expect(parent.stdout.trim()).toBe(firstLanded.landed_commit);
  });

  it('starts from the branch, saying why, when the entries ahead cannot be laid on it (one needs a 3-way merge)', async () => {
    const { temporary, store, queue, options } = await createSetup();
    const base = (await runGit(['rev-parse', 'main'], { cwd: temporary.root })).stdout.trim();
    // A person's commit changes the line; an entry made on the older base changes it too.
    writeFileSync(join(temporary.root, 'owners.txt'), '# who owns this\nowners: carol\n# end\n');
    await runGit(['-c', 'user.name=P', '-c', 'user.email=p@example.invalid', 'commit', '-qam', 'carol'], {
      cwd: temporary.root,
    });
    const tip = (await runGit(['rev-parse', 'main'], { cwd: temporary.root })).stdout.trim();
    const patch =
      'diff --git a/owners.txt b/owners.txt\n--- a/owners.txt\n+++ b/owners.txt\n@@ -1,3 +1,3 @@\n # who owns this\n-owners: alice\n+owners: dave\n # end\n';
    const older = await queue.submit({
      task_id: 'T-old',
      agent: 'person',
      base_commit: base,
      changes: [{ path: 'owners.txt', operation: 'update', patch }],
    });
    const outcome = await runRequestPipeline(
      tagRequest('R-2', [{ path: 'owners.txt', summary: 'Add the owner tag=R2' }]),
      options,
    );
    expect(outcome.collisions.reports).toEqual([
      expect.objectContaining({
        task_id: 'R-2-1',
        action: 'unstacked',
        base_commit: tip,
        stacked_on: [],
        detail: expect.stringMatching(
          new RegExp(
            `^the projected tip could not be built \\(${older.id} does not apply in turn: .+\\); started from the branch$`,
          ),
        ),
      }),
    ]);
    expect(outcome.enqueued[0]!.depends_on).toEqual([]);
    expect(await fileAt(temporary, tip, 'owners.txt')).toContain('owners: carol\n');
    expect((await store.requireEntry(outcome.enqueued[0]!.change_id)).state).toBe('queued');
  });

  it('with collisions "ignore", reports the overlap and starts from the branch: the second change conflicts', async () => {
    const { temporary, store, queue, options } = await createSetup({ collisions: 'ignore' });
    const first = await runRequestPipeline(
      tagRequest('R-1', [{ path: 'owners.txt', summary: 'Add the owner tag=R1' }]),
      options,
    );
    const second = await runRequestPipeline(
      tagRequest('R-2', [{ path: 'owners.txt', summary: 'Add the owner tag=R2' }]),
      options,
    );
    expect(second.collisions.reports).toMatchObject([
      { task_id: 'R-2-1', action: 'ignored', base_commit: second.base_commit, stacked_on: [] },
    ]);
    expect(second.enqueued[0]!.depends_on).toEqual([]);
    await queue.runWorkers({ mode: 'drain', workers: 2 });
    expect((await store.requireEntry(first.enqueued[0]!.change_id)).state).toBe('landed');
    expect((await store.requireEntry(second.enqueued[0]!.change_id)).state).toBe('conflicted');
    expect(await branchFile(temporary, 'owners.txt')).toContain('owners: alice, R1\n');
  });

  it('with collisions "wait", starts the developer only after the entries on its files have landed', async () => {
    const { temporary, store, queue, options } = await createSetup({ collisions: 'wait' });
    const first = await runRequestPipeline(
      tagRequest('R-1', [{ path: 'owners.txt', summary: 'Add the owner tag=R1' }]),
      options,
    );
    const firstEntry = first.enqueued[0]!.change_id;
    // The same store, observed: the queue runs only once the second request is waiting on it.
    const { observedStore, waitingStarted } = observeWaiting(store);
    const secondRun = runRequestPipeline(
      tagRequest('R-2', [{ path: 'owners.txt', summary: 'Add the owner tag=R2' }]),
      { ...options, store: observedStore },
    );
    await waitingStarted;
    await queue.runWorkers({ mode: 'drain' });
    const second = await secondRun;
    const landed = await store.requireEntry(firstEntry);
    expect(landed.state).toBe('landed');
    expect(second.collisions.reports).toEqual([
      {
        task_id: 'R-2-1',
        overlaps: [expect.objectContaining({ change_id: firstEntry, files: ['owners.txt'] })],
        action: 'waited',
        base_commit: landed.landed_commit,
        stacked_on: [],
        detail: `${firstEntry} landed`,
      },
    ]);
    await queue.runWorkers({ mode: 'drain' });
    expect((await store.requireEntry(second.enqueued[0]!.change_id)).state).toBe('landed');
    expect(await branchFile(temporary, 'owners.txt')).toContain('owners: alice, R1, R2\n');
  });

  it('with collisions "wait", also waits for entries queued on its files while it waited', async () => {
    const { temporary, store, queue, options } = await createSetup({ collisions: 'wait' });
    const first = await runRequestPipeline(
      tagRequest('R-1', [{ path: 'owners.txt', summary: 'Add the owner tag=R1' }]),
      options,
    );
    const firstEntry = first.enqueued[0]!.change_id;
    const { observedStore, waitingStarted } = observeWaiting(store);
    const secondRun = runRequestPipeline(
      tagRequest('R-2', [{ path: 'owners.txt', summary: 'Add the owner tag=R2' }]),
      { ...options, store: observedStore },
    );
    await waitingStarted;
    // While R-2 waits for is queued on the same file, stacked on R-1 (the default policy).
    const stacking = {
      ...options.config!,
      orchestrator: { ...options.config!.orchestrator, collisions: 'stack' as const },
    };
    const third = await runRequestPipeline(
      tagRequest('R-3', [{ path: 'owners.txt', summary: 'Add the owner tag=R3' }]),
      { ...options, config: stacking },
    );
    const thirdEntry = third.enqueued[0]!.change_id;
    await queue.runWorkers({ mode: 'drain' });
    const second = await secondRun;
    const thirdLanded = await store.requireEntry(thirdEntry);
    expect(thirdLanded.state).toBe('landed');
    expect(second.collisions.reports).toEqual([
      expect.objectContaining({
        action: 'waited',
        overlaps: [
          expect.objectContaining({ change_id: firstEntry }),
          expect.objectContaining({ change_id: thirdEntry }),
        ],
        base_commit: thirdLanded.landed_commit,
      }),
    ]);
    expect(second.collisions.reports[0]!.detail).toContain(`${thirdEntry} landed`);
    await queue.runWorkers({ mode: 'drain' });
    expect((await store.requireEntry(second.enqueued[0]!.change_id)).state).toBe('landed');
    expect(await branchFile(temporary, 'owners.txt')).toContain('owners: alice, R1, R3, R2\n');
  });

  it('with collisions "wait", fails the request naming the entries when they do not finish in time', async () => {
    const { store, options } = await createSetup({ collisions: 'wait', collision_wait_ms: 200 });
    const first = await runRequestPipeline(
      tagRequest('R-1', [{ path: 'owners.txt', summary: 'Add the owner tag=R1' }]),
      options,
    );
    let failure: unknown;
    try {
      await runRequestPipeline(
        tagRequest('R-2', [{ path: 'owners.txt', summary: 'Add the owner tag=R2' }]),
        options,
      );
    } catch (error) {
      failure = error;
    }
    expect(HyperionError.isInstance(failure)).toBe(true);
    expect((failure as HyperionError).code).toBe('not_landed');
    expect((failure as HyperionError).message).toContain(
      `waited 200 ms (orchestrator.collision_wait_ms) for the entries on its files, still unfinished: ${first.enqueued[0]!.change_id} queued`,
    );
    expect((await store.getRequest('R-2'))?.status).toBe('failed');
    expect(await store.listEntries({ requestId: 'R-2' })).toEqual([]);
  });
});

describe('phases of a request', () => {
  it('orders the same file asked twice and an explicit later phase; each phase starts from the earlier result and all land in order', async () => {
    const { temporary, store, queue, options } = await createSetup();
    const outcome = await runRequestPipeline(
      tagRequest('R-P', [
        { path: 'owners.txt', summary: 'Add the owner tag=P1' },
        { path: 'owners.txt', summary: 'Add the owner tag=P2' },
        { path: 'team.txt', summary: 'Add the owner tag=P3', phase: 1 },
      ]),
      options,
    );
    expect(outcome.phases).toEqual([
      { phase: 1, task_ids: ['R-P-1'] },
      { phase: 2, task_ids: ['R-P-2'], reason: 'same file again' },
      { phase: 3, task_ids: ['R-P-3'], reason: 'explicit order' },
    ]);
    expect(outcome.assignments.map((item) => [item.task_id, item.phase, item.files])).toEqual([
      ['R-P-1', 1, ['owners.txt']],
      ['R-P-2', 2, ['owners.txt']],
      ['R-P-3', 3, ['team.txt']],
    ]);
    const [one, two, three] = outcome.assignments;
    expect(one!.base_commit).toBe(outcome.base_commit);
    expect(await fileAt(temporary, two!.base_commit, 'owners.txt')).toContain('owners: alice, P1\n');
    expect(await fileAt(temporary, three!.base_commit, 'owners.txt')).toContain('owners: alice, P1, P2\n');
    const [entryOne, entryTwo, entryThree] = outcome.enqueued;
    expect(entryOne!.depends_on).toEqual([]);
    expect(entryTwo!.depends_on).toEqual([entryOne!.change_id]);
    expect(entryThree!.depends_on).toEqual([entryOne!.change_id, entryTwo!.change_id]);
    expect(outcome.collisions.reports).toEqual([]);
    await queue.runWorkers({ mode: 'drain', workers: 3 });
    const states = await Promise.all(outcome.enqueued.map((item) => store.requireEntry(item.change_id)));
    expect(states.map((entry) => entry.state)).toEqual(['landed', 'landed', 'landed']);
    expect(await branchFile(temporary, 'owners.txt')).toContain('owners: alice, P1, P2\n');
    expect(await branchFile(temporary, 'team.txt')).toBe('team\nowners: bob, P3\n');
    const stored = await store.listAssignments('R-P');
    expect(stored.map((record) => (record.body as { phase?: number }).phase)).toEqual([1, 2, 3]);
  });

  it('stacks every phase of a request on another request queued on the same file', async () => {
    const { temporary, store, queue, options } = await createSetup();
    const first = await runRequestPipeline(
      tagRequest('R-1', [{ path: 'owners.txt', summary: 'Add the owner tag=R1' }]),
      options,
    );
    const firstEntry = first.enqueued[0]!.change_id;
    const phased = await runRequestPipeline(
      tagRequest('R-2', [
        { path: 'owners.txt', summary: 'Add the owner tag=A' },
        { path: 'owners.txt', summary: 'Add the owner tag=B' },
      ]),
      options,
    );
    expect(
      phased.collisions.reports.map((report) => [report.task_id, report.action, report.stacked_on]),
    ).toEqual([
      ['R-2-1', 'stacked', [firstEntry]],
      ['R-2-2', 'stacked', [firstEntry]],
    ]);
    const [one, two] = phased.assignments;
    expect(await fileAt(temporary, one!.base_commit, 'owners.txt')).toContain('owners: alice, R1\n');
    expect(await fileAt(temporary, two!.base_commit, 'owners.txt')).toContain('owners: alice, R1, A\n');
    expect(phased.enqueued.map((item) => item.depends_on)).toEqual([
      [firstEntry],
      [firstEntry, phased.enqueued[0]!.change_id],
    ]);
    await queue.runWorkers({ mode: 'drain', workers: 3 });
    const entries = await store.listEntries({ order: 'submission' });
    expect(entries.map((entry) => entry.state)).toEqual(['landed', 'landed', 'landed']);
    expect(await branchFile(temporary, 'owners.txt')).toContain('owners: alice, R1, A, B\n');
  });

  it('does not start a later phase when an earlier one fails, and says so', async () => {
    const { store, options } = await createSetup();
    let failure: unknown;
    try {
      await runRequestPipeline(
        tagRequest('R-F', [
          // No tag: the agent edits nothing, so the developer fails ("made no change").
          { path: 'owners.txt', summary: 'Leave it alone' },
          { path: 'owners.txt', summary: 'Add the owner tag=F2' },
        ]),
        options,
      );
    } catch (error) {
      failure = error;
    }
    expect(HyperionError.isInstance(failure)).toBe(true);
    const failures = (failure as HyperionError).details['failures'] as Array<{
      task_id: string;
      message: string;
    }>;
    expect(failures.map((item) => item.task_id)).toEqual(['R-F-1', 'R-F-2']);
    expect(failures[1]!.message).toBe('R-F-2: not started: phase 1 did not finish (R-F-1 failed)');
    expect(await store.listEntries()).toEqual([]);
    expect((await store.getRequest('R-F'))?.status).toBe('failed');
  });
  it('under land_succeeded, lands the succeeded assignments of the failed phase; later phases do not start and each says why', async () => {
    const { temporary, store, queue, options } = await createSetup({
      on_partial_failure: 'land_succeeded',
      group_by: 'file',
    });
    const outcome = await runRequestPipeline(
      tagRequest('R-L', [
        { path: 'team.txt', summary: 'Add the owner tag=G1' },
        // No tag: the agent edits nothing, so this developer fails ("made no change").
        { path: 'owners.txt', summary: 'Leave it alone' },
        { path: 'owners.txt', summary: 'Add the owner tag=L2' },
      ]),
      options,
    );
    const taskOf = (path: string, phase: number) =>
      outcome.assignments.find((item) => item.files.includes(path) && item.phase === phase)!.task_id;
    const good = taskOf('team.txt', 1);
    const bad = taskOf('owners.txt', 1);
    const later = taskOf('owners.txt', 2);
    expect(outcome.enqueued.map((item) => [item.task_id, item.paths])).toEqual([[good, ['team.txt']]]);
    expect(outcome.failed.map((item) => [item.task_id, item.code])).toEqual([
      [bad, expect.any(String)],
      [later, 'invalid_state'],
    ]);
    expect(outcome.failed[1]!.message).toBe(`${later}: not started: phase 1 did not finish (${bad} failed)`);
    expect((await store.getRequest('R-L'))?.status).toBe('partial');
    const assignments = await store.listAssignments('R-L');
    expect(
      Object.fromEntries(assignments.map((record) => [record.task_id, [record.status, record.error]])),
    ).toEqual({
      [good]: ['submitted', null],
      [bad]: ['failed', outcome.failed[0]!.message],
      [later]: ['failed', outcome.failed[1]!.message],
    });
    await queue.runWorkers({ mode: 'drain' });
    expect(await branchFile(temporary, 'team.txt')).toBe('team\nowners: bob, G1\n');
    expect(await branchFile(temporary, 'owners.txt')).toBe('# who owns this\nowners: alice\n# end\n');
  });
});
