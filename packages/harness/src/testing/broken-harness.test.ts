import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StubHarness } from '../stub/stub-harness.js';
import type { AgentHarnessV1 } from '../v1/agent-harness-v1.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import type { AgentRunResult } from '../v1/agent-run-result.js';
import { checkHarnessConformance } from './check-harness-conformance.js';
import { stubHarnessScenarios } from './stub-harness-scenarios.js';

/** A stub harness whose requests and results pass through `alter` first. */
function brokenStub(
  alterRequest: (request: AgentRunRequest) => AgentRunRequest | Promise<AgentRunRequest>,
  alterResult: (result: AgentRunResult) => AgentRunResult = (result) => result,
): AgentHarnessV1 {
  const stub = new StubHarness();
  return {
    specificationVersion: 'harness-v1',
    harnessId: 'broken',
    run: async (request) => alterResult(await stub.run(await alterRequest(request))),
  };
}

const fastOptions = { scenarios: stubHarnessScenarios, stopBoundMs: 500 };

describe('the conformance suite fails a broken harness', () => {
  it('passes the stub harness as it is', async () => {
    expect(await checkHarnessConformance(() => new StubHarness(), fastOptions)).toEqual([]);
  });

  it('fails a harness that ignores the abort signal', async () => {
    const harness = () => brokenStub(({ abortSignal: _ignored, ...request }) => request);
    const failures = await checkHarnessConformance(harness, fastOptions, ['abort']);
    expect(failures.map((failure) => failure.check)).toEqual(['abort', 'abort']);
    expect(failures[0]?.message).toContain('still running after 700 ms');
  });

  it('fails a harness that ignores the timeout', async () => {
    const harness = () => brokenStub(({ budget: _ignored, ...request }) => request);
    const failures = await checkHarnessConformance(harness, fastOptions, ['timeout']);
    expect(failures).toEqual([{ check: 'timeout', message: expect.stringContaining('still running') }]);
  });

  it('fails a harness that writes beside the working directory', async () => {
    const harness = () =>
      brokenStub(async (request) => {
        await writeFile(join(request.workingDirectory, '..', 'outside', 'leak.txt'), 'leaked');
        return request;
      });
    const failures = await checkHarnessConformance(harness, fastOptions, ['writes']);
    expect(failures).toEqual([
      { check: 'writes', message: 'files outside the working directory changed: outside/leak.txt' },
    ]);
  });

  it('fails a harness that delivers events out of order', async () => {
    const harness = () =>
      brokenStub((request) => ({
        ...request,
        onEvent: (event) => request.onEvent?.({ ...event, sequence: 10 - event.sequence }),
      }));
    const failures = await checkHarnessConformance(harness, fastOptions, ['events']);
    expect(failures[0]).toEqual({
      check: 'events',
      message: expect.stringMatching(/^event 1 has sequence 9, not above 10$/),
    });
  });

  it('fails a harness that claims usage without numbers, and one that hides its numbers', async () => {
    const claims = () =>
      brokenStub(
        (request) => request,
        (result) => ({ ...result, usage: { reported: true } }),
      );
    expect(await checkHarnessConformance(claims, fastOptions, ['usage'])).toEqual([
      { check: 'usage', message: 'usage.reported is true but no usage number is given' },
    ]);
    const hides = () =>
      brokenStub(
        (request) => request,
        (result) => ({ ...result, usage: { reported: false, inputTokens: 5 } }),
      );
    expect(await checkHarnessConformance(hides, fastOptions, ['usage'])).toEqual([
      { check: 'usage', message: 'usage.reported is false but inputTokens is given' },
    ]);
  });

  it('fails a harness that returns structured output without checking it', async () => {
    const harness = () => brokenStub(({ outputSchema: _ignored, ...request }) => request);
    expect(await checkHarnessConformance(harness, fastOptions, ['structured-output'])).toEqual([
      {
        check: 'structured-output',
        message: 'output that breaks the schema ended with status ok, not failed',
      },
    ]);
  });
});
