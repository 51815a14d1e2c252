import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ChangeRequestSchema,
  HyperionConfigSchema,
  HyperionError,
  TaskRequestSchema,
  WIRE_SCHEMA_NAMES,
  parseJsonText,
  parseWithSchema,
  toJsonSchema,
  unsafePathReason,
} from './index.js';

const compat = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../test-support/compat/${name}`, import.meta.url), 'utf8'));

function thrown(run: () => unknown): HyperionError {
  try {
    run();
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('the original prototype’s files', () => {
  it('parse as a TaskRequest (with its pre-made assignment) and a ChangeRequest', () => {
    const request = parseWithSchema(TaskRequestSchema, compat('original-sample-request.json'), 'request');
    expect(request.request_id).toBe('REQ-9001');
    expect(request.assignments?.[0]?.file_targets).toEqual(['README.md']);
    const change = parseWithSchema(ChangeRequestSchema, compat('original-sample-change.json'), 'change');
    expect(change.changes[0]?.operation).toBe('update');
    expect(change.checks).toHaveLength(2);
  });

  it("read the original's operation add as create, in change requests and task requests", () => {
    const change = parseWithSchema(ChangeRequestSchema, compat('original-sample-add.json'), 'change');
    expect(change.changes[0]?.operation).toBe('create');
    const request = parseWithSchema(
      TaskRequestSchema,
      { summary: 's', requested_changes: [{ path: 'docs/new.md', operation: 'add', content: 'x\n' }] },
      'request',
    );
    expect(request.requested_changes[0]?.operation).toBe('create');
  });

  it('still refuse an operation that is none of create, update, delete or add, naming the field', () => {
    const error = thrown(() =>
      parseWithSchema(
        ChangeRequestSchema,
        { task_id: 't', agent: 'a', changes: [{ path: 'x', operation: 'rename', patch: 'p' }] },
        'c.json',
      ),
    );
    expect(error.message).toMatch(/^c\.json: changes\[0\]\.operation: .*"create".*"add"/);
  });
});

describe('errors name the field', () => {
  it('gives the source and the path of the first problem, and every problem in details', () => {
    const error = thrown(() =>
      parseWithSchema(
        ChangeRequestSchema,
        { task_id: '', agent: 'a', changes: [{ path: 'x', operation: 'rename', patch: 'p' }] },
        'c.json',
      ),
    );
    expect(error.code).toBe('schema_violation');
    expect(error.message).toMatch(/^c\.json: task_id: .* \(and 1 more\)$/);
    expect(error.details['issues']).toEqual([
      expect.objectContaining({ path: 'task_id' }),
      expect.objectContaining({ path: 'changes[0].operation' }),
    ]);
  });

  it('reports unknown config keys with their own code, and unsafe paths with theirs', () => {
    expect(
      thrown(() =>
        parseWithSchema(HyperionConfigSchema, { queue: { max_attempt: 1 } }, 'config.json', {
          unknownKeyCode: 'unknown_config_key',
        }),
      ).message,
    ).toBe('config.json: queue: unknown key(s): max_attempt');
    const unsafe = thrown(() =>
      parseWithSchema(
        TaskRequestSchema,
        { summary: 's', requested_changes: [{ path: 'a/../../b' }] },
        'r.json',
      ),
    );
    expect(unsafe.code).toBe('unsafe_path');
  });

  it('gives the line and column of invalid JSON', () => {
    expect(thrown(() => parseJsonText('{\n  "a": 1,\n  oops\n}', 'f.json')).message).toMatch(
      /^f\.json: invalid JSON at line 3, column 3/,
    );
    expect(thrown(() => parseJsonText('{"a":', 'g.json')).message).toMatch(
      /^g\.json: invalid JSON at line 1, column 6/,
    );
  });
});

describe('path safety', () => {
  it.each([
    ['../x', "contains a '..' segment"],
    ['/etc/passwd', 'is absolute'],
    ['C:/x', 'is absolute'],
    ['.git/config', 'is under .git/'],
    ['.GIT/hooks/pre-commit', 'is under .git/'],
    ['.git. /config', 'is under .git/'],
    ['GIT~1/config', 'is under .git/'],
    ['.git::$INDEX_ALLOCATION/config', 'is under .git/'],
    ['a/.git:x/config', "contains a '.git' segment"],
    ['git~1 ./hooks/x', 'is under .git/'],
    ['vendor/lib/.git/config', "contains a '.git' segment"],
    ['sub/.Git/hooks/post-checkout', "contains a '.git' segment"],
    ['a//b', 'is not normalized'],
    ['./a', 'is not normalized'],
    ['a\\b', 'contains a backslash (use forward slashes)'],
    ['', 'is empty'],
  ])('refuses %j: %s', (path, reason) => {
    expect(unsafePathReason(path)).toBe(reason);
  });

  it('accepts ordinary repository paths, dotfiles included', () => {
    for (const path of [
      'README.md',
      'src/a.ts',
      '.github/workflows/ci.yml',
      'a..b/c',
      '.gitignore',
      'src/.gitattributes',
      'empty/.gitkeep',
      '.git-blame-ignore-revs',
      'docs/git~2.md',
    ])
      expect(unsafePathReason(path)).toBeUndefined();
  });
});

describe('JSON Schema export', () => {
  it('exports every wire format as an object schema', () => {
    for (const name of WIRE_SCHEMA_NAMES) {
      const schema = toJsonSchema(name);
      expect(schema['type'], name).toBe('object');
      expect(schema['$id']).toBe(`urn:hyperion:schema:${name}`);
    }
    const config = toJsonSchema('config');
    expect(config['additionalProperties']).toBe(false);
    expect(Object.keys(config['properties'] as object)).toEqual(
      expect.arrayContaining(['target_branch', 'checks', 'queue', 'policy']),
    );
  });

  it("documents the original's add as an accepted operation of change and task requests", () => {
    const items = (schema: Record<string, unknown>, list: string) =>
      (schema['properties'] as Record<string, { items: { properties: Record<string, unknown> } }>)[list]!
        .items.properties;
    const changeOperation = items(toJsonSchema('change-request'), 'changes')['operation'];
    expect(changeOperation).toMatchObject({ enum: ['create', 'update', 'delete', 'add'] });
    expect(JSON.stringify(changeOperation)).toMatch(/add .* is read as create/);
    const requestOperation = items(toJsonSchema('task-request'), 'requested_changes')['operation'];
    expect(requestOperation).toMatchObject({ enum: ['create', 'update', 'delete', 'add'] });
  });
});

describe('HyperionError', () => {
  it('is recognized across copies of the package by its global marker, and serializes to JSON', () => {
    const error = new HyperionError('not_found', 'no entry', { details: { id: 'x' } });
    expect(HyperionError.isInstance(error)).toBe(true);
    expect(HyperionError.isInstance(new Error('plain'))).toBe(false);
    expect(HyperionError.isInstance({ [Symbol.for('hyperion.error')]: true })).toBe(true);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'not_found',
      message: 'no entry',
      details: { id: 'x' },
    });
  });
});
