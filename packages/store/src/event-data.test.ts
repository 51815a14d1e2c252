import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecretsDeep } from '@hyperion/schema';
import { eventDataJson } from './event-data.js';

const secret = 'svc-0e1d2c3b4a596877';
const githubToken = `ghp_${'Q1w2E3r4T5'.repeat(4).slice(0, 36)}`;

describe('eventDataJson', () => {
  const samples: Array<Record<string, unknown>> = [
    {},
    {
      task_id: 'T-1',
      paths: ['src/a.ts', 'src/b.ts'],
      patch_hash: 'a'.repeat(64),
      attempt: 2,
      lease_ms: 60_000,
    },
    { commit: 'c0ffee'.padEnd(40, '0'), nested: { list: [1, null, true, 'x'] }, missing: undefined },
    { output: `printed ${secret} and ${githubToken}` },
    { [`key ${secret}`]: 'value' },
    { deep: [{ line: 'DEPLOY_PASSWORD=hunter2' }, 'plain'] },
    { at: new Date(0), reason: 'time: 12:00' },
    {
      lines: [
        'MAX_TOKENS=4000',
        'a: "b"',
        '-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----',
      ],
    },
  ];

  it('is the JSON of the deeply redacted data, whether or not anything needed redacting', () => {
    for (const data of samples) {
      expect(eventDataJson(data, [secret]), JSON.stringify(data)).toBe(
        JSON.stringify(redactSecretsDeep(data, [secret])),
      );
    }
  });

  it('keeps secret values, token shapes and secret assignments out, in keys too', () => {
    const json = eventDataJson({ output: `${secret} ${githubToken}`, [secret]: 1, env: 'API_TOKEN=abc' }, [
      secret,
    ]);
    expect(json).not.toContain(secret);
    expect(json).not.toContain(githubToken);
    expect(json).not.toContain('abc');
    expect(json).toContain(REDACTED);
  });
});
