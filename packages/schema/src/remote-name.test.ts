import { describe, expect, it } from 'vitest';
import {
  HyperionConfigSchema,
  HyperionError,
  parseWithSchema,
  remoteNameProblem,
  toJsonSchema,
} from './index.js';

function configError(remote: unknown): HyperionError {
  try {
    parseWithSchema(HyperionConfigSchema, { remote }, 'config.json', {
      unknownKeyCode: 'unknown_config_key',
    });
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`remote ${JSON.stringify(remote)} was accepted`);
}

describe('the config remote', () => {
  it.each(['origin', 'upstream', 'team/shared', 'my.remote', 'fork_2'])('accepts %j', (name) => {
    expect(remoteNameProblem(name)).toBeUndefined();
    expect(parseWithSchema(HyperionConfigSchema, { remote: name }, 'config.json').remote).toBe(name);
  });

  it('is optional: without it the config names no remote', () => {
    expect(parseWithSchema(HyperionConfigSchema, {}, 'config.json').remote).toBeUndefined();
  });

  it.each([
    ['', 'must not be empty'],
    ['--upload-pack=touch /tmp/x', 'must not start with "-"'],
    ['-o', 'must not start with "-"'],
    ['origin\u001b[2J', 'control character U+001B'],
    ['origin\n', 'control character U+000A'],
    ['two words', 'whitespace'],
    ['origin:refs/heads/x', 'must not contain any of'],
    ['a..b', 'no ".."'],
    ['origin/', 'trailing "/"'],
  ])('refuses %j, naming the field', (name, reason) => {
    expect(remoteNameProblem(name)).toContain(reason);
    const error = configError(name);
    expect(error.code).toBe('schema_violation');
    expect(error.message).toMatch(/^config\.json: remote: /);
    expect(error.message).toContain(reason);
  });

  it('refuses a remote that is not a string', () => {
    expect(configError(42).message).toMatch(/^config\.json: remote: /);
  });

  it('is in the JSON Schema export, documented', () => {
    const properties = toJsonSchema('config')['properties'] as Record<string, Record<string, unknown>>;
    expect(properties['remote']).toMatchObject({ type: 'string' });
    expect(String(properties['remote']?.['description'])).toMatch(/push/);
  });
});
