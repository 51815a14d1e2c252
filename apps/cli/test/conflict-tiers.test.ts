import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

/** Keeps both sides of every conflict in the files it is given (the tip's lines, then the change's). */
const UNION_RESOLVER = `
const fs = require('node:fs');
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, 'utf8');
  const pattern = /^<<<<<<< tip\\n([\\s\\S]*?)^\\|\\|\\|\\|\\|\\|\\| base\\n[\\s\\S]*?^=======\\n([\\s\\S]*?)^>>>>>>> change\\n/gm;
  fs.writeFileSync(file, text.replace(pattern, (_match, tip, change) => tip + change));
}
`;

interface LoggedEvent {
  type: string;
  data: Record<string, unknown>;
}

/** A request whose change a person's commit conflicts with, drained by `hyperion worker` with `tiers` configured. */
async function conflictThroughTheCli(tiers: Record<string, unknown>, more: Record<string, unknown> = {}) {
  temporary = await createTemporaryRepository({ files: { 'a.txt': 'one\ntwo\nthree\n' } });
  const root = temporary.root;
  expect((await hyperion(['init', '--repo', root])).code).toBe(0);
  const inputs = temporaryDirectory('hyperion-conflict-tiers');
  const configFile = join(root, '.hyperion', 'config.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(configFile, JSON.stringify({ ...config, ...more, orchestrator: { conflict_tiers: tiers } }));
  const requestFile = join(inputs, 'request.json');
  writeFileSync(
    requestFile,
    JSON.stringify({
      request_id: 'R-CLI',
      summary: 'Say TWO on line two',
      requested_changes: [{ path: 'a.txt', content: 'one\nTWO\nthree\n' }],
    }),
  );
  const request = await hyperion(['request', requestFile, '--repo', root, '--json']);
  expect(request.code, request.stderr).toBe(0);
  const original = (JSON.parse(request.stdout) as { enqueued: Array<{ change_id: string }> }).enqueued[0]!
    .change_id;
  writeFileSync(join(root, 'a.txt'), 'one\nzwei\nthree\n');
  execFileSync('git', ['commit', '-qam', 'a person says zwei'], { cwd: root });
  const worker = await hyperion(['worker', '--repo', root, '--drain']);
  expect(worker.code, worker.stderr).toBe(0);
  const log = await hyperion(['log', '--repo', root, '--json', '--entry', original]);
  const events = log.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LoggedEvent);
  const tierOutcomes = events
    .filter((event) => event.type === 'conflict:tier_finished')
    .map((event) => `${String(event.data['tier'])}:${String(event.data['outcome'])}`);
  return { root, inputs, events, tierOutcomes };
}

describe('conflict tiers through hyperion worker', () => {
  it('a command-harness resolver from the config resolves the conflict, and its change lands', async () => {
    const script = join(temporaryDirectory('hyperion-resolver-script'), 'union.cjs');
    writeFileSync(script, UNION_RESOLVER);
    const { root, tierOutcomes } = await conflictThroughTheCli({
      resolver: { harness: 'command', command: [process.execPath, script, '{files}'] },
    });
    expect(tierOutcomes).toEqual(['three_way:conflicted', 'resolver:resubmitted']);
    expect(execFileSync('git', ['show', 'main:a.txt'], { cwd: root, encoding: 'utf8' })).toBe(
      'one\nzwei\nTWO\nthree\n',
    );
    const verified = await hyperion(['log', 'verify', '--repo', root]);
    expect(verified.code, verified.stdout).toBe(0);
  });

  it('with the default stub the resolver says it cannot resolve and the developer is re-dispatched', async () => {
    const { root, events, tierOutcomes } = await conflictThroughTheCli({});
    expect(tierOutcomes).toEqual(['three_way:conflicted', 'resolver:failed', 'redispatch:resubmitted']);
    const resolver = events.find((event) => event.data['tier'] === 'resolver');
    expect(String(resolver?.data['reason'])).toMatch(/^failed: the stub agent cannot resolve conflicts/);
    expect(execFileSync('git', ['show', 'main:a.txt'], { cwd: root, encoding: 'utf8' })).toBe(
      'one\nTWO\nthree\n',
    );
  });

  it('a resolution that fails its checks is quarantined, and the developer is re-dispatched on the new tip', async () => {
    const script = join(temporaryDirectory('hyperion-resolver-script'), 'union.cjs');
    writeFileSync(script, UNION_RESOLVER);
    const { root, events, tierOutcomes } = await conflictThroughTheCli(
      { resolver: { harness: 'command', command: [process.execPath, script, '{files}'] } },
      {
        // Keeping both sides makes four lines: the resolution fails this check.
        checks: [{ name: 'three-lines', command: 'test "$(wc -l < a.txt)" -eq 3' }],
        queue: { max_attempts: 1, backoff_base_ms: 10 },
      },
    );
    expect(tierOutcomes).toEqual([
      'three_way:conflicted',
      'resolver:resubmitted',
      'resolver:resolution_failed',
      'resolver:exhausted',
      'redispatch:resubmitted',
    ]);
    const tiers = events.filter((event) => event.type === 'conflict:tier_finished');
    const resolutionId = String(tiers[1]!.data['change_id']);
    expect(tiers[2]!.data['change_id']).toBe(resolutionId);
    expect(String(tiers[2]!.data['reason'])).toContain(`its resolution ${resolutionId} was quarantined`);
    const resolution = await hyperion(['queue', 'show', resolutionId, '--repo', root, '--json']);
    expect((JSON.parse(resolution.stdout) as { entry: { state: string } }).entry.state).toBe('quarantined');
    expect(execFileSync('git', ['show', 'main:a.txt'], { cwd: root, encoding: 'utf8' })).toBe(
      'one\nTWO\nthree\n',
    );
    const verified = await hyperion(['log', 'verify', '--repo', root]);
    expect(verified.code, verified.stdout).toBe(0);
  });
});
