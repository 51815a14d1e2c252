import { describe, expect, it } from 'vitest';
import { RecordingMockHarness } from '../testing/recording-mock-harness.js';
import type { AgentEvent } from '../v1/agent-event.js';
import { withStubFallback } from './with-stub-fallback.js';

const request = {
  role: 'engineer' as const,
  prompt: 'scope it',
  workingDirectory: '/tmp',
  filesInScope: [],
  outputSchema: { type: 'object' },
  metadata: { structuredOutput: { scoped: true } },
};

describe('withStubFallback', () => {
  it('reruns an unparseable run on the stub and records the fallback', async () => {
    const agent = new RecordingMockHarness({
      harnessId: 'copilot',
      results: [{ status: 'failed', error: 'not JSON', unparseableOutput: true }],
    });
    const events: AgentEvent[] = [];
    const result = await withStubFallback(agent).run({ ...request, onEvent: (event) => events.push(event) });
    expect(result).toMatchObject({
      status: 'ok',
      structuredOutput: { scoped: true },
      fallback: { from: 'copilot', reason: 'not JSON' },
    });
    const types = events.map((event) => event.type);
    expect(types.slice(types.indexOf('run:fallback'))).toEqual([
      'run:fallback',
      'run:started',
      'run:finished',
    ]);
    expect(events.map((event) => event.sequence)).toEqual(events.map((_event, index) => index));
  });

  it('returns every other result as it is, and keeps the harness id', async () => {
    const agent = new RecordingMockHarness({
      harnessId: 'claude',
      results: [
        { status: 'failed', error: 'exited with code 1' },
        { status: 'timed-out', error: 'slow' },
      ],
    });
    const wrapped = withStubFallback(agent);
    expect(wrapped.harnessId).toBe('claude');
    expect(wrapped.resume).toBeUndefined();
    expect(await wrapped.run(request)).toMatchObject({ status: 'failed', error: 'exited with code 1' });
    expect((await wrapped.run(request)).fallback).toBeUndefined();
  });
});
