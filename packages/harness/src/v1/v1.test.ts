import { HyperionError } from '@hyperion/schema';
import { describe, expect, it } from 'vitest';
import { RecordingMockHarness } from '../testing/recording-mock-harness.js';
import { assertSupportedHarness } from './assert-supported-harness.js';
import { callResume } from './call-resume.js';

const request = { role: 'developer' as const, prompt: 'p', workingDirectory: '/tmp', filesInScope: [] };

function caught(action: () => unknown): HyperionError {
  try {
    action();
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a HyperionError');
}

describe('callResume', () => {
  it('throws an unsupported HyperionError when the harness cannot resume', () => {
    const error = caught(() => callResume(new RecordingMockHarness(), 'session-1', request));
    expect(error.toJSON()).toEqual({
      code: 'unsupported',
      message: 'the mock harness cannot resume a session',
      details: { harnessId: 'mock', capability: 'resume' },
    });
  });

  it('calls resume with the session id when the harness can', async () => {
    const harness = new RecordingMockHarness({ supportsResume: true, results: [{ text: 'resumed' }] });
    const result = await callResume(harness, 'session-1', request);
    expect(result.text).toBe('resumed');
    expect(harness.calls).toEqual([{ method: 'resume', sessionId: 'session-1', request }]);
  });
});

describe('assertSupportedHarness', () => {
  const valid = { specificationVersion: 'harness-v1', harnessId: 'x', run: async () => ({}) };

  it('returns a harness of a known version', () => {
    expect(assertSupportedHarness(valid)).toBe(valid);
  });

  it('refuses an unknown specification version with code unsupported', () => {
    const error = caught(() => assertSupportedHarness({ ...valid, specificationVersion: 'harness-v2' }));
    expect(error.code).toBe('unsupported');
    expect(error.message).toBe(
      'unsupported harness specificationVersion "harness-v2": expected "harness-v1"',
    );
  });

  it.each([
    [null, 'a harness must be an object'],
    [{ ...valid, harnessId: '' }, 'a harness must have a non-empty string harnessId'],
    [{ ...valid, run: 'run' }, 'the x harness has no run method'],
    [{ ...valid, resume: true }, "the x harness's resume is not a method"],
  ])('refuses a malformed harness: %j', (candidate, message) => {
    const error = caught(() => assertSupportedHarness(candidate));
    expect([error.code, error.message]).toEqual(['invalid_input', message]);
  });
});
