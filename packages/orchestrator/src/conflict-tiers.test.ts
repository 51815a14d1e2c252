import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import { compareWithLive } from '@hyperion/store';
import {
  CommandHarness,
  STUB_CANNOT_RESOLVE,
  StubHarness,
  type AgentHarnessV1,
  type AgentUsage,
} from '@hyperion/harness';
import { TaskRequestSchema, type HyperionConfigInput, type QueueEntry } from '@hyperion/schema';
import { handleConflictedEntry, type ConflictTierRecord } from './conflict-tiers.js';
import { handleFailedResolution } from './failed-resolution.js';
import { runRequestPipeline } from './request-pipeline.js';
import { createPipelineSetup, type PipelineSetup } from './testing/pipeline-setup.js';

let setup: PipelineSetup | undefined;

afterEach(async () => {
  await setup?.cleanup();
  setup = undefined;
});

/**
 * A resolver script for the command harness: keeps both sides of every conflict (the tip's lines,
 * then the change's). With `--hostile` it also writes a file it was not given.
 */
const RESOLVER_SCRIPT = `
const fs = require('node:fs');
const args = process.argv.slice(2);
const hostile = args[0] === '--hostile';
for (const file of hostile ? args.slice(1) : args) {
  const text = fs.readFileSync(file, 'utf8');
  const pattern = /^<<<<<<< tip\\n([\\s\\S]*?)^\\|\\|\\|\\|\\|\\|\\| base\\n[\\s\\S]*?^=======\\n([\\s\\S]*?)^>>>>>>> change\\n/gm;
  fs.writeFileSync(file, text.replace(pattern, (_match, tip, change) => tip + change));
}
if (hostile) fs.writeFileSync('outside.txt', 'not a conflicted file\\n');
console.log('resolved: ' + args.join(' '));
`;

function commandResolver(root: string, hostile = false): CommandHarness {
  const script = join(root, '..', `resolver-${hostile ? 'hostile' : 'union'}.cjs`);
  writeFileSync(script, RESOLVER_SCRIPT);
  return new CommandHarness({
    command: [process.execPath, script, ...(hostile ? ['--hostile'] : []), '{files}'],
  });
}

const CHECKS: HyperionConfigInput['checks'] = [
  { name: 'no-markers', command: "! grep -q '^<<<<<<<' a.txt" },
  { name: 'has-two', command: 'grep -qx TWO a.txt' },
];

/** A request changes line two of a.txt; a person changes the same line on main; the queue conflicts. */
async function conflictedEntry(config: HyperionConfigInput = {}, developerUsage?: AgentUsage) {
  setup = await createPipelineSetup({ 'a.txt': 'one\ntwo\nthree\n', 'b.txt': 'bee\n' }, config);
  const current = setup;
  const developer = developerUsage === undefined ? new StubHarness() : reporting(developerUsage);
  const outcome = await runRequestPipeline(
    TaskRequestSchema.parse({
      request_id: 'R-T',
      summary: 'change line two',
      requested_changes: [{ path: 'a.txt', content: 'one\nTWO\nthree\n' }],
    }),
    {
      repository: current.temporary.repository,
      store: current.store,
      queue: current.queue,
      harness: developer,
      worktreesDirectory: current.worktreesDirectory,
    },
  );
  await personEdits(current, 'one\nzwei\nthree\n');
  await current.queue.runWorkers({ mode: 'drain' });
  const entry = await current.store.requireEntry(outcome.enqueued[0]!.change_id);
  expect(entry.state).toBe('conflicted');
  const tiers = (harness: AgentHarnessV1, resolverHarness?: AgentHarnessV1) =>
    handleConflictedEntry(entry.id, {
      store: current.store,
      queue: current.queue,
      repository: current.temporary.repository,
      harness,
      ...(resolverHarness === undefined ? {} : { resolverHarness }),
      worktreesDirectory: current.worktreesDirectory,
    });
  return { current, entry, tiers };
}

/** The stub, reporting `usage` for every run. */
function reporting(usage: AgentUsage): AgentHarnessV1 {
  const stub = new StubHarness();
  return {
    specificationVersion: stub.specificationVersion,
    harnessId: stub.harnessId,
    run: async (request) => ({ ...(await stub.run(request)), usage }),
  };
}

/** `inner`, counting the runs it starts. */
function counting(inner: AgentHarnessV1): AgentHarnessV1 & { runs: number } {
  const harness = {
    specificationVersion: inner.specificationVersion,
    harnessId: inner.harnessId,
    runs: 0,
    run: (request: Parameters<AgentHarnessV1['run']>[0]) => {
      harness.runs += 1;
      return inner.run(request);
    },
  };
  return harness;
}

async function personEdits(current: PipelineSetup, content: string): Promise<void> {
  writeFileSync(join(current.temporary.root, 'a.txt'), content);
  await runGit(['commit', '-qam', 'a person edits line two'], { cwd: current.temporary.root });
}

async function tierEvents(current: PipelineSetup, entry: QueueEntry) {
  return (await current.store.listEvents({ entryId: entry.id }))
    .filter((event) => event.type === 'conflict:tier_finished')
    .map((event) => event.data as unknown as ConflictTierRecord);
}

function summary(records: readonly ConflictTierRecord[]): string[] {
  return records.map((record) => `${record.tier}:${record.outcome}`);
}

describe('conflict tiers', () => {
  it('a command-harness resolver edits the markers away; its change goes through the checks and lands', async () => {
    const { current, entry, tiers } = await conflictedEntry({ checks: CHECKS });
    const resolver = commandResolver(current.temporary.root);
    const result = await tiers(new StubHarness(), resolver);
    expect(result.outcome).toBe('resolved');
    if (result.outcome !== 'resolved') return;
    expect(summary(await tierEvents(current, entry))).toEqual([
      'three_way:conflicted',
      'resolver:resubmitted',
    ]);
    const tip = await current.temporary.repository.requireBranch('main');
    expect(result.entry).toMatchObject({
      task_id: 'R-T-1',
      request_id: 'R-T',
      base_commit: tip,
      state: 'queued',
    });
    expect(result.entry.patch).toContain('+TWO');
    expect(result.entry.patch).not.toContain('<<<<<<<');
    const enqueued = (await current.store.listEvents({ entryId: result.entry.id }))[0]!;
    expect(enqueued.data).toMatchObject({ source: 'conflict_resolver', resolution_of: entry.id, attempt: 1 });
    await current.queue.runWorkers({ mode: 'drain' });
    const landed = await current.store.requireEntry(result.entry.id);
    expect(landed.state).toBe('landed');
    const passed = (await current.store.listEvents({ entryId: landed.id }))
      .filter((event) => event.type === 'check:passed')
      .map((event) => event.data['name']);
    expect(passed).toEqual(expect.arrayContaining(['no-markers', 'has-two']));
    expect(readFileSync(join(current.temporary.root, 'a.txt'), 'utf8')).toBe('one\nzwei\nTWO\nthree\n');
    const runs = await current.store.listAssignmentRuns({ taskId: 'R-T-1' });
    expect(runs.map((run) => [run.role, run.harness, run.status, run.change_id])).toEqual([
      ['developer', 'stub', 'ok', entry.id],
      ['resolver', 'command', 'ok', landed.id],
    ]);
  });

  it('refuses a resolver that edits a file it was not given, and moves on to re-dispatch', async () => {
    const { current, entry, tiers } = await conflictedEntry();
    const result = await tiers(new StubHarness(), commandResolver(current.temporary.root, true));
    expect(result.outcome).toBe('redispatched');
    const records = await tierEvents(current, entry);
    expect(summary(records)).toEqual(['three_way:conflicted', 'resolver:refused', 'redispatch:resubmitted']);
    expect(records[1]?.reason).toBe('the resolver edited files other than the conflicted ones: outside.txt');
    const entries = await current.store.listEntries({ requestId: 'R-T', order: 'submission' });
    expect(entries.map((candidate) => candidate.id)).toEqual([entry.id, result.entry.id]);
    expect(result.entry.paths).toEqual(['a.txt']);
    expect(existsSync(join(current.temporary.root, 'outside.txt'))).toBe(false);
    const resolverRun = (await current.store.listAssignmentRuns({ taskId: 'R-T-1' })).find(
      (run) => run.role === 'resolver',
    );
    expect(resolverRun).toMatchObject({ status: 'refused', change_id: null });
  });

  it("refuses a resolver that edits the change's own file that merged cleanly", async () => {
    setup = await createPipelineSetup({ 'a.txt': 'one\ntwo\nthree\n', 'b.txt': 'bee\n' });
    const current = setup;
    const outcome = await runRequestPipeline(
      TaskRequestSchema.parse({
        request_id: 'R-B',
        summary: 'change line two and b',
        requested_changes: [
          { path: 'a.txt', content: 'one\nTWO\nthree\n' },
          { path: 'b.txt', content: 'BEE\n' },
        ],
      }),
      {
        repository: current.temporary.repository,
        store: current.store,
        queue: current.queue,
        harness: new StubHarness(),
        worktreesDirectory: current.worktreesDirectory,
      },
    );
    await personEdits(current, 'one\nzwei\nthree\n');
    await current.queue.runWorkers({ mode: 'drain' });
    const entry = await current.store.requireEntry(outcome.enqueued[0]!.change_id);
    expect([entry.state, entry.paths]).toEqual(['conflicted', ['a.txt', 'b.txt']]);
    const script = join(current.temporary.root, '..', 'resolver-b.cjs');
    writeFileSync(
      script,
      "const fs = require('node:fs'); fs.writeFileSync('a.txt', 'one\\nzwei TWO\\nthree\\n'); fs.writeFileSync('b.txt', 'rewritten\\n');",
    );
    const result = await handleConflictedEntry(entry.id, {
      store: current.store,
      queue: current.queue,
      repository: current.temporary.repository,
      harness: new StubHarness(),
      resolverHarness: new CommandHarness({ command: [process.execPath, script] }),
      worktreesDirectory: current.worktreesDirectory,
    });
    const records = await tierEvents(current, entry);
    expect(summary(records)).toEqual(['three_way:conflicted', 'resolver:refused', 'redispatch:resubmitted']);
    expect(records[1]?.reason).toBe('the resolver edited files other than the conflicted ones: b.txt');
    expect(result.outcome).toBe('redispatched');
  });

  it('refuses a resolution that leaves conflict markers', async () => {
    const { current, entry, tiers } = await conflictedEntry({
      orchestrator: { conflict_tiers: { redispatch: { max_attempts: 0 } } },
    });
    const result = await tiers(new StubHarness(), new CommandHarness({ command: ['true'] }));
    expect(result.outcome).toBe('quarantined');
    const records = await tierEvents(current, entry);
    expect(summary(records)).toEqual([
      'three_way:conflicted',
      'resolver:markers_left',
      'redispatch:disabled',
    ]);
    expect(records[1]?.reason).toBe('conflict markers are left in a.txt');
    expect(await current.store.listEntries({ requestId: 'R-T' })).toHaveLength(1);
  });

  it('the stub resolves nothing and says so; the tier moves on to re-dispatch, whose change lands', async () => {
    const { current, entry, tiers } = await conflictedEntry();
    const result = await tiers(new StubHarness());
    expect(result.outcome).toBe('redispatched');
    const records = await tierEvents(current, entry);
    expect(summary(records)).toEqual(['three_way:conflicted', 'resolver:failed', 'redispatch:resubmitted']);
    expect(records[1]?.reason).toBe(`failed: ${STUB_CANNOT_RESOLVE}`);
    await current.queue.runWorkers({ mode: 'drain' });
    expect((await current.store.requireEntry(result.entry.id)).state).toBe('landed');
    expect(readFileSync(join(current.temporary.root, 'a.txt'), 'utf8')).toBe('one\nTWO\nthree\n');
  });

  it('quarantines once every tier is used up, with a report of each tier since the original change', async () => {
    const { current, entry, tiers } = await conflictedEntry({
      orchestrator: { conflict_tiers: { redispatch: { max_attempts: 0 } } },
    });
    const resolved = await tiers(new StubHarness(), commandResolver(current.temporary.root));
    expect(resolved.outcome).toBe('resolved');
    if (resolved.outcome !== 'resolved') return;
    // The branch moves again before the resolution's turn: it conflicts too.
    await personEdits(current, 'one\ndrei\nthree\n');
    await current.queue.runWorkers({ mode: 'drain' });
    const second = await current.store.requireEntry(resolved.entry.id);
    expect(second.state).toBe('conflicted');
    const result = await handleConflictedEntry(second.id, {
      store: current.store,
      queue: current.queue,
      repository: current.temporary.repository,
      harness: new StubHarness(),
      resolverHarness: commandResolver(current.temporary.root),
      worktreesDirectory: current.worktreesDirectory,
    });
    expect(result.outcome).toBe('quarantined');
    const quarantined = await current.store.requireEntry(second.id);
    expect(quarantined.state).toBe('quarantined');
    expect(quarantined.last_error).toBe(
      'conflicted, and every conflict tier is used up: three_way conflicted, resolver exhausted, redispatch disabled',
    );
    const event = (await current.store.listEvents({ entryId: second.id })).at(-1)!;
    expect(event).toMatchObject({
      type: 'entry:quarantined',
      from_state: 'conflicted',
      to_state: 'quarantined',
    });
    const report = event.data['tiers'] as ConflictTierRecord[];
    expect(
      report.map(
        (record) => `${record.entry_id === entry.id ? 'first' : 'second'} ${record.tier}:${record.outcome}`,
      ),
    ).toEqual([
      'first three_way:conflicted',
      'first resolver:resubmitted',
      'second three_way:conflicted',
      'second resolver:exhausted',
      'second redispatch:disabled',
      'second quarantine:quarantined',
    ]);
    expect(report[3]?.reason).toBe('1 of 1 resolver runs used');
    expect((await current.store.listAssignments('R-T'))[0]?.status).toBe('failed');
    // The tier events change no state: the queue still replays from its log alone.
    expect(await compareWithLive(current.store)).toEqual([]);
  });
  it('a resolution quarantined by its checks sends the conflicted entry on to the next tiers, with the whole history', async () => {
    const { current, entry, tiers } = await conflictedEntry({
      // Keeping both sides makes four lines: the resolution fails this check.
      checks: [{ name: 'three-lines', command: 'test "$(wc -l < a.txt)" -eq 3' }],
      queue: { max_attempts: 1, backoff_base_ms: 10, poll_ms: 20 },
      orchestrator: { conflict_tiers: { redispatch: { max_attempts: 0 } } },
    });
    const resolved = await tiers(new StubHarness(), commandResolver(current.temporary.root));
    expect(resolved.outcome).toBe('resolved');
    if (resolved.outcome !== 'resolved') return;
    await current.queue.runWorkers({ mode: 'drain' });
    const resolution = await current.store.requireEntry(resolved.entry.id);
    expect(resolution.state).toBe('quarantined');
    const options = {
      store: current.store,
      queue: current.queue,
      repository: current.temporary.repository,
      harness: new StubHarness(),
      resolverHarness: commandResolver(current.temporary.root),
      worktreesDirectory: current.worktreesDirectory,
    };
    const result = await handleFailedResolution(resolution.id, options);
    expect(result?.outcome).toBe('quarantined');
    const records = await tierEvents(current, entry);
    expect(summary(records)).toEqual([
      'three_way:conflicted',
      'resolver:resubmitted',
      'resolver:resolution_failed',
      'resolver:exhausted',
      'redispatch:disabled',
    ]);
    expect(records[2]).toMatchObject({ change_id: resolution.id });
    expect(records[2]!.reason).toContain(`its resolution ${resolution.id} was quarantined: `);
    expect(records[2]!.reason).toContain('three-lines');
    const quarantined = await current.store.requireEntry(entry.id);
    expect(quarantined.last_error).toBe(
      'conflicted, and every conflict tier is used up: three_way conflicted, resolver resubmitted, resolver resolution_failed, resolver exhausted, redispatch disabled',
    );
    const report = (await current.store.listEvents({ entryId: entry.id })).at(-1)!.data[
      'tiers'
    ] as ConflictTierRecord[];
    expect(summary(report)).toEqual([...summary(records), 'quarantine:quarantined']);
    // Nothing more to do: the original is no longer conflicted, and it is no resolution itself.
    expect(await handleFailedResolution(resolution.id, options)).toBeUndefined();
    expect(await handleFailedResolution(entry.id, options)).toBeUndefined();
    expect(await compareWithLive(current.store)).toEqual([]);
  });

  it('moves on from a failed resolution once: a second call, even at the same time, does nothing', async () => {
    const { current, entry, tiers } = await conflictedEntry({
      checks: [{ name: 'three-lines', command: 'test "$(wc -l < a.txt)" -eq 3' }],
      queue: { max_attempts: 1, backoff_base_ms: 10, poll_ms: 20 },
    });
    const resolved = await tiers(new StubHarness(), commandResolver(current.temporary.root));
    if (resolved.outcome !== 'resolved') throw new Error(`not resolved: ${resolved.outcome}`);
    await current.queue.runWorkers({ mode: 'drain' });
    const developer = counting(new StubHarness());
    const options = {
      store: current.store,
      queue: current.queue,
      repository: current.temporary.repository,
      harness: developer,
      resolverHarness: commandResolver(current.temporary.root),
      worktreesDirectory: current.worktreesDirectory,
    };
    const both = await Promise.all([
      handleFailedResolution(resolved.entry.id, options),
      handleFailedResolution(resolved.entry.id, options),
    ]);
    expect(both.map((result) => result?.outcome ?? 'nothing').sort()).toEqual(['nothing', 'redispatched']);
    expect(developer.runs).toBe(1);
    // The original stays conflicted while its re-dispatch is in flight; a later call still does nothing.
    expect((await current.store.requireEntry(entry.id)).state).toBe('conflicted');
    expect(await handleFailedResolution(resolved.entry.id, options)).toBeUndefined();
    expect(summary(await tierEvents(current, entry))).toEqual([
      'three_way:conflicted',
      'resolver:resubmitted',
      'resolver:resolution_failed',
      'resolver:exhausted',
      'redispatch:resubmitted',
    ]);
    await current.queue.runWorkers({ mode: 'drain' });
    expect(await runGit(['show', 'main:a.txt'], { cwd: current.temporary.root })).toMatchObject({
      stdout: 'one\nTWO\nthree\n',
    });
  });

  it('runs no resolver once the request has spent its budget; re-dispatch quarantines and fails the request', async () => {
    // The developer's run uses exactly the request's budget: its change stands, nothing is left.
    const { current, entry, tiers } = await conflictedEntry(
      { orchestrator: { request_budget: { max_tokens: 120 } } },
      { inputTokens: 80, outputTokens: 40, reported: true },
    );
    const resolver = counting(commandResolver(current.temporary.root));
    const developer = counting(new StubHarness());
    const result = await tiers(developer, resolver);
    expect(result.outcome).toBe('quarantined');
    expect([resolver.runs, developer.runs]).toEqual([0, 0]);
    const records = await tierEvents(current, entry);
    expect(summary(records)).toEqual(['three_way:conflicted', 'resolver:budget_spent']);
    const spent = "the request's budget is spent: 120 tokens of its 120";
    expect(records[1]!.reason).toContain(`not run: ${spent}`);
    const quarantined = await current.store.requireEntry(entry.id);
    expect(quarantined).toMatchObject({ state: 'quarantined' });
    expect(quarantined.last_error).toContain(`not re-dispatched: ${spent}`);
    expect(await current.store.getRequest('R-T')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining(spent),
    });
    const runs = await current.store.listAssignmentRuns({ taskId: 'R-T-1' });
    expect(runs.map((run) => run.role)).toEqual(['developer']);
  });
});

describe('conflict tiers: hostile resolver output the queue refuses', () => {
  it.each([
    ['a symlink out of the repository', "fs.rmSync('a.txt'); fs.symlinkSync('/etc/passwd', 'a.txt');"],
    ['binary content', "fs.writeFileSync('a.txt', 'one\\0zwei TWO\\nthree\\n');"],
  ])('a resolver that leaves %s fails its attempt and moves on to re-dispatch', async (_name, body) => {
    const { current, entry, tiers } = await conflictedEntry();
    const script = join(current.temporary.root, '..', 'resolver-queue-refuses.cjs');
    writeFileSync(script, `const fs = require('node:fs'); ${body}`);
    const result = await tiers(
      new StubHarness(),
      new CommandHarness({ command: [process.execPath, script] }),
    );
    expect(result.outcome).toBe('redispatched');
    const records = await tierEvents(current, entry);
    expect(summary(records)).toEqual(['three_way:conflicted', 'resolver:refused', 'redispatch:resubmitted']);
    expect(records[1]?.reason).toMatch(/^the queue refuses the resolution: /);
    const entries = await current.store.listEntries({ requestId: 'R-T', order: 'submission' });
    expect(entries.map((candidate) => candidate.id)).toEqual([entry.id, result.entry.id]);
  });
});

describe('conflict tiers: a resolver that repoints its worktree', () => {
  it("fails its attempt when it rewrites the worktree's .git file, and moves on to re-dispatch", async () => {
    const { current, entry, tiers } = await conflictedEntry();
    const script = join(current.temporary.root, '..', 'resolver-git-link.cjs');
    writeFileSync(script, "require('node:fs').writeFileSync('.git', 'gitdir: /tmp/not-hyperions\\n');");
    const result = await tiers(
      new StubHarness(),
      new CommandHarness({ command: [process.execPath, script] }),
    );
    expect(result.outcome).toBe('redispatched');
    const records = await tierEvents(current, entry);
    expect(summary(records)).toEqual(['three_way:conflicted', 'resolver:refused', 'redispatch:resubmitted']);
    expect(records[1]?.reason).toBe(
      "the worktree's .git file (where git finds the repository) was rewritten by the agent; it was put back",
    );
  });
});
