import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ChangeRequestSchema,
  HyperionError,
  IdentifierSchema,
  TaskAssignmentSchema,
  TaskRequestSchema,
  parseWithSchema,
} from './index.js';

const COMPAT = new URL('../../../test-support/compat/', import.meta.url);

function refusal(run: () => unknown): HyperionError {
  try {
    run();
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the id to be refused');
}

const change = (fields: Record<string, unknown>) => ({
  task_id: 'T-1',
  agent: 'a',
  changes: [{ path: 'a.txt', operation: 'update', patch: 'p' }],
  ...fields,
});

const assignment = (fields: Record<string, unknown>) => ({
  task_id: 'R-1-1',
  parent_request_id: 'R-1',
  summary: 's',
  file_targets: ['a.txt'],
  ...fields,
});

describe('ids a submitter writes are identifiers (promise 10)', () => {
  it.each(['T\n1', 'T 1', 'T\u001b[2K', 'rollback:chg-1', '-T', 'T\u202e1', 'x'.repeat(129)])(
    'refuses task_id %j in a change request, naming the field',
    (taskId) => {
      const error = refusal(() =>
        parseWithSchema(ChangeRequestSchema, change({ task_id: taskId }), 'c.json'),
      );
      expect(error.code).toBe('schema_violation');
      expect(error.message).toMatch(/^c\.json: task_id: /);
    },
  );

  it('refuses request_id with a line break in a change request', () => {
    expect(
      refusal(() =>
        parseWithSchema(ChangeRequestSchema, change({ request_id: 'R-1\nHyperion-Change: x' }), 'c.json'),
      ).message,
    ).toMatch(/^c\.json: request_id: must start with a letter or digit/);
  });

  it('refuses task_id and parent_request_id of an assignment, alone or inside a task request', () => {
    expect(
      refusal(() => parseWithSchema(TaskAssignmentSchema, assignment({ task_id: 'R-1\n1' }), 'a.json'))
        .message,
    ).toMatch(/^a\.json: task_id: /);
    expect(
      refusal(() => parseWithSchema(TaskAssignmentSchema, assignment({ parent_request_id: 'R 1' }), 'a.json'))
        .message,
    ).toMatch(/^a\.json: parent_request_id: /);
    expect(
      refusal(() =>
        parseWithSchema(
          TaskRequestSchema,
          { summary: 's', assignments: [assignment({ task_id: 'R-1-1\n' })] },
          'r.json',
        ),
      ).message,
    ).toMatch(/^r\.json: assignments\[0\]\.task_id: /);
  });

  it('still accepts every id in the original prototype’s files', () => {
    const files = readdirSync(COMPAT).filter((name) => name.endsWith('.json'));
    const ids: unknown[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (typeof value === 'object' && value !== null) {
        for (const [key, inner] of Object.entries(value)) {
          if (['task_id', 'request_id', 'parent_request_id', 'change_id'].includes(key)) ids.push(inner);
          else collect(inner);
        }
      }
    };
    for (const name of files) collect(JSON.parse(readFileSync(new URL(name, COMPAT), 'utf8')));
    expect(ids.length).toBeGreaterThan(3);
    for (const id of ids) expect(IdentifierSchema.safeParse(id).success, String(id)).toBe(true);
    const request = parseWithSchema(
      TaskRequestSchema,
      JSON.parse(readFileSync(new URL('original-sample-request.json', COMPAT), 'utf8')),
      'request',
    );
    expect(request.assignments?.[0]?.task_id).toBe('REQ-9001-1');
  });
});
