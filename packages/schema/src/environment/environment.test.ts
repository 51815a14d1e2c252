import { describe, expect, it } from 'vitest';
import { HyperionConfigSchema } from '../config.js';
import { toJsonSchema } from '../json-schema.js';
import { parseWithSchema } from '../parse.js';
import { buildMinimalEnvironment } from './build-environment.js';
import { buildCheckEnvironment, DEFAULT_CHECK_ENVIRONMENT } from './check-environment.js';
import {
  REDACTED,
  redactSecrets,
  redactSecretsDeep,
  redactSecretValues,
  SECRET_TOKEN_PATTERNS,
} from './redact-secrets.js';
import { isSecretName, secretValuesOf } from './secret-names.js';

const githubToken = `ghp_${'a1B2c3D4e5'.repeat(4).slice(0, 36)}`;

describe('isSecretName', () => {
  it('knows the default names and any secret-looking one, and nothing else', () => {
    for (const name of [
      'GITHUB_TOKEN',
      'AWS_ACCESS_KEY_ID',
      'MY_SERVICE_TOKEN',
      'SLACK_BOT_TOKEN',
      'DB_PASSWORD',
      'CLIENT_SECRET',
      'STRIPE_SECRET_KEY',
      'PARTNER_API_KEY',
      'DEPLOY_PRIVATE_KEY',
      'CI_JOB_TOKEN',
      'npm_config__auth',
      'NPM_AUTHTOKEN',
      'TOKEN',
    ]) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of [
      'PATH',
      'HOME',
      'LANG',
      'LC_ALL',
      'MAX_TOKENS',
      'GIT_AUTHOR_NAME',
      'KEYBOARD',
      'TMPDIR',
    ]) {
      expect(isSecretName(name), name).toBe(false);
    }
    expect(isSecretName('DEPLOY_HOOK', ['DEPLOY_HOOK'])).toBe(true);
  });

  it("knows PostgreSQL's password and the database URLs, which may hold one", () => {
    for (const name of ['PGPASSWORD', 'HYPERION_DATABASE_URL', 'DATABASE_URL']) {
      expect(isSecretName(name), name).toBe(true);
    }
    expect(isSecretName('PGHOST')).toBe(false);
    const url = 'postgres://hyperion:db-pass-0123@db.internal:5432/queue';
    expect(
      secretValuesOf({ HYPERION_DATABASE_URL: url, PGPASSWORD: 'pg-pass-4567', PGHOST: 'db.internal' }),
    ).toEqual([url, 'pg-pass-4567']);
  });

  it('collects the values of secret-named variables, not the short ones that are no credential', () => {
    expect(
      secretValuesOf(
        { PATH: '/usr/bin', MY_SERVICE_TOKEN: 'svc-0123456789', USE_PASSWORD: 'true', HOOK: 'hook-value-1' },
        ['HOOK'],
      ),
    ).toEqual(['svc-0123456789', 'hook-value-1']);
  });
});

describe('buildMinimalEnvironment', () => {
  it('copies allowed names and prefixes, adds extras, and drops every secret name and pattern match', () => {
    const base = { PATH: '/bin', LC_ALL: 'C', LC_TIME: 'C', SHELL: '/bin/sh', GH_TOKEN: 'g', MY_TOKEN: 't' };
    expect(
      buildMinimalEnvironment(base, {
        allow: ['PATH', 'LC_*', 'GH_TOKEN', 'MY_TOKEN'],
        secretNames: ['GH_TOKEN'],
        secretPattern: /TOKEN$/,
        extra: { MODE: 'x', OTHER_TOKEN: 'y' },
      }),
    ).toEqual({ PATH: '/bin', LC_ALL: 'C', LC_TIME: 'C', MODE: 'x' });
  });
});

describe('buildCheckEnvironment', () => {
  const worker = {
    PATH: '/usr/bin:/bin',
    HOME: '/home/worker',
    LANG: 'C.UTF-8',
    LC_CTYPE: 'C.UTF-8',
    TMPDIR: '/tmp',
    ANTHROPIC_API_KEY: 'sk-ant-api03-secret',
    GITHUB_TOKEN: githubToken,
    MY_SERVICE_TOKEN: 'svc-secret',
    DEPLOY_HOOK: 'hook',
    UNLISTED_SETTING: 'x',
  };

  it('by default gives PATH, HOME, locale and temporary directories, and no secret or unlisted variable', () => {
    const environment = buildCheckEnvironment(worker, { allow: DEFAULT_CHECK_ENVIRONMENT, set: {} });
    expect(environment).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/worker',
      LANG: 'C.UTF-8',
      LC_CTYPE: 'C.UTF-8',
      TMPDIR: '/tmp',
    });
  });

  it('never passes a secret name, even when allowed or set, and adds the literal values', () => {
    const environment = buildCheckEnvironment(
      worker,
      {
        allow: ['PATH', 'GITHUB_TOKEN', 'MY_SERVICE_TOKEN', 'DEPLOY_HOOK', 'UNLISTED_SETTING', 'ANTHROPIC_*'],
        set: { MODE: 'ci', EXTRA_PASSWORD: 'p' },
      },
      ['DEPLOY_HOOK'],
    );
    expect(environment).toEqual({ PATH: '/usr/bin:/bin', UNLISTED_SETTING: 'x', MODE: 'ci' });
  });
});

describe('redactSecrets', () => {
  it('replaces every occurrence of the known values, longest first', () => {
    expect(redactSecrets('abc abcdef x', ['abc', 'abcdef', ''])).toBe(`${REDACTED} ${REDACTED} x`);
  });

  it('replaces well-known token shapes whose value is not known', () => {
    const tokens = [
      githubToken,
      `gho_${'x'.repeat(36)}`,
      `github_pat_11ABCDEFG0${'a'.repeat(40)}`,
      `sk-ant-api03-${'Ab1_-'.repeat(10)}`,
      `sk-proj-${'Ab1_-'.repeat(10)}`,
      `sk-${'Ab1'.repeat(16)}`,
      'AKIAIOSFODNN7EXAMPLE',
      `npm_${'a1'.repeat(18)}`,
      `ghs_${'y'.repeat(36)}`,
      'ASIAIOSFODNN7EXAMPLE',
      `xoxb-${'1234567890'.repeat(2)}`,
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
    ];
    for (const token of tokens)
      expect(redactSecrets(`before ${token} after`, []), token).toBe(`before ${REDACTED} after`);
    // Each shape is found by the pre-test too (it runs the patterns only when some start is there).
    expect(tokens.length).toBeGreaterThanOrEqual(SECRET_TOKEN_PATTERNS.length);
    for (const pattern of SECRET_TOKEN_PATTERNS) {
      expect(
        tokens.some((token) => new RegExp(pattern.source).test(token)),
        pattern.source,
      ).toBe(true);
    }
  });

  it('replaces the value of an assignment to a secret-looking name, as env, util.inspect and JSON print it', () => {
    expect(redactSecrets('DEPLOY_PASSWORD=hunter2\nPATH=/bin', [])).toBe(
      `DEPLOY_PASSWORD=${REDACTED}\nPATH=/bin`,
    );
    expect(redactSecrets(`export API_TOKEN="abc def" X_SECRET='q'`, [])).toBe(
      `export API_TOKEN="${REDACTED}" X_SECRET='${REDACTED}'`,
    );
    expect(redactSecrets("{ MY_SERVICE_TOKEN: 'abc', HOME: '/root' }", [])).toBe(
      `{ MY_SERVICE_TOKEN: '${REDACTED}', HOME: '/root' }`,
    );
    expect(redactSecrets('{"CLIENT_SECRET":"abc","x":1}', [])).toBe(`{"CLIENT_SECRET":"${REDACTED}","x":1}`);
    expect(JSON.parse(redactSecrets(JSON.stringify({ line: 'API_KEY=a\\"b' }), []))).toEqual({
      line: `API_KEY=${REDACTED}\\"b`,
    });
    expect(JSON.parse(redactSecrets(JSON.stringify({ API_KEY: 'a"b c' }), []))).toEqual({
      API_KEY: REDACTED,
    });
    expect(redactSecrets('rejected by A_TOKEN: too big', [])).toBe('rejected by A_TOKEN: too big');
  });

  it('leaves ordinary text alone, and redacting twice changes nothing more', () => {
    const ordinary = [
      'MAX_TOKENS=4000 max_tokens: 12',
      'const token = readToken(); password: prompt()',
      'sk-learn-integration-tests task-abcdefghijklmnopqrstuvwxyz0123',
      'docs/ghp_notes.md AKIA is a prefix',
      'path=src/index.ts PATH=/usr/bin',
    ];
    for (const text of ordinary) expect(redactSecrets(text, []), text).toBe(text);
    const once = redactSecrets(`GITHUB_TOKEN=${githubToken} MY_TOKEN: 'v' svc-value`, ['svc-value']);
    expect(redactSecrets(once, ['svc-value'])).toBe(once);
    expect(once).toBe(`GITHUB_TOKEN=${REDACTED} MY_TOKEN: '${REDACTED}' ${REDACTED}`);
  });

  it('has a values-only form that keeps token shapes (a submitted patch stays as written)', () => {
    expect(redactSecretValues(`${githubToken} svc-value`, ['svc-value'])).toBe(`${githubToken} ${REDACTED}`);
  });

  it('redacts strings deep inside event data, keys included, and dates as JSON would write them', () => {
    const at = new Date('2024-01-01T00:00:00Z');
    expect(
      redactSecretsDeep(
        { line: 'key s3cr3t', list: ['s3cr3t', 3, null], s3cr3t: true, at, token: githubToken },
        ['s3cr3t'],
      ),
    ).toEqual({
      line: `key ${REDACTED}`,
      list: [REDACTED, 3, null],
      [REDACTED]: true,
      at: '2024-01-01T00:00:00.000Z',
      token: REDACTED,
    });
  });
});

describe('config check_environment', () => {
  it('defaults to the minimal allow-list and no literal values, and is in the JSON Schema', () => {
    const config = HyperionConfigSchema.parse({});
    expect(config.check_environment).toEqual({ allow: [...DEFAULT_CHECK_ENVIRONMENT], set: {} });
    const properties = toJsonSchema('config')['properties'] as Record<string, Record<string, unknown>>;
    expect(properties['check_environment']?.['additionalProperties']).toBe(false);
  });

  it('accepts names, prefixes and literal values', () => {
    const config = HyperionConfigSchema.parse({
      check_environment: { allow: ['PATH', 'HOME', 'NODE_OPTIONS', 'LC_*'], set: { MODE: 'strict' } },
    });
    expect(config.check_environment).toEqual({
      allow: ['PATH', 'HOME', 'NODE_OPTIONS', 'LC_*'],
      set: { MODE: 'strict' },
    });
  });

  it('refuses secret names, bad names and unknown keys, naming the field', () => {
    const parse = (value: unknown): string => {
      try {
        parseWithSchema(HyperionConfigSchema, { check_environment: value }, 'config.json');
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(parse({ allow: ['PATH', 'GITHUB_TOKEN'] })).toMatch(
      /check_environment\.allow\[1\].*'GITHUB_TOKEN' is a secret name: checks never get credentials/,
    );
    expect(parse({ set: { MY_SERVICE_TOKEN: 'x' } })).toMatch(
      /check_environment\.set\.MY_SERVICE_TOKEN.*'MY_SERVICE_TOKEN' is a secret name/,
    );
    expect(parse({ allow: ['*'] })).toMatch(/check_environment\.allow\[0\].*a prefix ending in \*/);
    expect(parse({ set: { 'A-B': 'x' } })).toMatch(/check_environment\.set/);
    expect(parse({ set: { A: 'x\u0000' } })).toMatch(/check_environment\.set\.A.*NUL/);
    expect(parse({ inherit: true })).toMatch(/check_environment.*inherit/);
  });
});
