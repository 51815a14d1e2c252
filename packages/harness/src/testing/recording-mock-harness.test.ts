import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../v1/agent-event.js';
import { RecordingMockHarness } from './recording-mock-harness.js';

const request = { role: 'engineer' as const, prompt: 'scope it', workingDirectory: '/tmp', filesInScope: [] };

describe('RecordingMockHarness', () => {
  it('records requests and replays scripted results in order, then the default', async () => {
    const harness = new RecordingMockHarness({
      results: [{ text: 'first' }, (received, callIndex) => ({ text: `${received.prompt} #${callIndex}` })],
      defaultResult: { status: 'failed', error: 'no more' },
    });
    expect((await harness.run(request)).text).toBe('first');
    expect((await harness.run({ ...request, prompt: 'again' })).text).toBe('again #1');
    expect(await harness.run(request)).toMatchObject({
      status: 'failed',
      error: 'no more',
      usage: { reported: false },
    });
    expect(harness.requests.map((received) => received.prompt)).toEqual(['scope it', 'again', 'scope it']);
    expect(harness.resume).toBeUndefined();
  });

  it('throws when a call has no scripted result', async () => {
    await expect(new RecordingMockHarness().run(request)).rejects.toThrow(
      'the mock harness has no scripted result for call 0',
    );
  });

  it('emits ordered events and answers cancelled to an aborted signal', async () => {
    const events: AgentEvent[] = [];
    const harness = new RecordingMockHarness({ defaultResult: {} });
    harness.enqueue({ text: 'queued' });
    const result = await harness.run({
      ...request,
      abortSignal: AbortSignal.abort(),
      onEvent: (event) => events.push(event),
    });
    expect(result.status).toBe('cancelled');
    expect(events.map((event) => [event.sequence, event.type])).toEqual([
      [0, 'run:started'],
      [1, 'run:finished'],
    ]);
  });
});
