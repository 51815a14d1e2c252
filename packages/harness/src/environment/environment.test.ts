import { describe, expect, it } from 'vitest';
import {
  buildAgentEnvironment,
  collectSecretValues,
  REDACTED,
  redactSecrets,
  redactSecretsDeep,
} from './index.js';

describe('buildAgentEnvironment', () => {
  it('keeps only allowed names and extras, never a secret', () => {
    const base = { PATH: '/bin', HOME: '/home/a', SHELL: '/bin/sh', GH_TOKEN: 'g' };
    expect(
      buildAgentEnvironment(base, {
        allow: ['PATH', 'HOME', 'LANG', 'GH_TOKEN'],
        secretNames: ['GH_TOKEN', 'API_KEY'],
        extra: { MODEL: 'm', API_KEY: 'k' },
      }),
    ).toEqual({ PATH: '/bin', HOME: '/home/a', MODEL: 'm' });
  });

  it('collects the non-empty secret values of every source', () => {
    expect(collectSecretValues(['A', 'B'], { A: 'one', B: '' }, undefined, { B: 'two', C: 'three' })).toEqual(
      ['one', 'two'],
    );
  });
});

describe('redactSecrets', () => {
  it('replaces every occurrence, longest secret first', () => {
    expect(redactSecrets('abc abcdef x', ['abc', 'abcdef', ''])).toBe(`${REDACTED} ${REDACTED} x`);
  });

  it('redacts strings deep inside event data, keys included', () => {
    expect(redactSecretsDeep({ line: 'key s3cr3t', list: ['s3cr3t', 3], s3cr3t: true }, ['s3cr3t'])).toEqual({
      line: `key ${REDACTED}`,
      list: [REDACTED, 3],
      [REDACTED]: true,
    });
  });
});
