import { describe, expect, it } from 'vitest';
import {
  HyperionConfigSchema,
  HyperionError,
  TaskRequestSchema,
  type TaskRequestInput,
} from '@hyperion/schema';
import { decompose } from './decompose.js';
import { decompositionPolicy, resolveChecks } from './decomposition-policy.js';
import { BaseFiles } from './base-files.js';
import { requestPaths, scopeByRules } from './engineer.js';
import { repairDecomposition } from './model-orchestrator.js';
import { tokenCount } from './token-count.js';

const BASE = 'a'.repeat(40);

/** The scope of a request whose every file exists at the base. */
function scoped(input: Partial<TaskRequestInput>) {
  const request = TaskRequestSchema.parse({ request_id: 'R', summary: 's', ...input });
  return scopeByRules(request, 'R', BaseFiles.of(requestPaths(request)));
}

function policy(orchestrator: Record<string, unknown> = {}, checks?: string[]) {
  return decompositionPolicy(HyperionConfigSchema.parse({ orchestrator }), undefined, checks);
}

function files(paths: string[]) {
  return paths.map((path) => ({ path, content: `${path}\n` }));
}

function failure(action: () => unknown): HyperionError {
  try {
    action();
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a HyperionError');
}

describe('decompose', () => {
  it('groups by directory, cuts groups to max_files_per_assignment, and keeps ownership disjoint', () => {
    const paths = ['src/a.ts', 'src/b.ts', 'src/c.ts', 'docs/x.md', 'src/d.ts', 'lib/y.ts'];
    const planned = decompose(scoped({ requested_changes: files(paths) }), {
      baseCommit: BASE,
      policy: policy({ max_files_per_assignment: 3 }),
      contents: new Map(),
    });
    expect(planned.map((item) => item.assignment.file_targets)).toEqual([
      ['src/a.ts', 'src/b.ts', 'src/c.ts'],
      ['src/d.ts'],
      ['docs/x.md'],
      ['lib/y.ts'],
    ]);
    expect(planned.map((item) => item.assignment.task_id)).toEqual(['R-1', 'R-2', 'R-3', 'R-4']);
    expect(planned.every((item) => item.assignment.base_commit === BASE)).toBe(true);
  });

  it('makes one assignment per file with group_by file, and merges several changes of one file', () => {
    const planned = decompose(
      scoped({
        requested_changes: [
          { path: 'src/a.ts', summary: 'first' },
          { path: 'src/b.ts', summary: 'other' },
          { path: 'src/a.ts', summary: 'second' },
        ],
      }),
      { baseCommit: BASE, policy: policy({ group_by: 'file' }), contents: new Map() },
    );
    expect(planned.map((item) => item.assignment.file_targets)).toEqual([['src/a.ts'], ['src/b.ts']]);
    expect(planned[0]!.changes.map((change) => change.summary)).toEqual(['first', 'second']);
  });

  it('counts context with a real tokenizer and splits a directory to fit the token budget', () => {
    const big = 'export const value = "lorem ipsum dolor sit amet";\n'.repeat(40);
    const perFile = tokenCount(`--- src/a.ts\n${big}\n`);
    expect(perFile).toBeGreaterThan(300);
    expect(perFile).not.toBe(Math.ceil(big.length / 4));
    const contents = new Map(['src/a.ts', 'src/b.ts', 'src/c.ts'].map((path) => [path, big]));
    const planned = decompose(
      scoped({ requested_changes: [...contents.keys()].map((path) => ({ path, summary: 'x' })) }),
      {
        baseCommit: BASE,
        policy: policy({ max_tokens_per_assignment: perFile * 2 + 60 }),
        contents,
      },
    );
    expect(planned.map((item) => item.assignment.file_targets)).toEqual([
      ['src/a.ts', 'src/b.ts'],
      ['src/c.ts'],
    ]);
    for (const item of planned) expect(item.contextTokens).toBeLessThanOrEqual(perFile * 2 + 60);
  });

  it('rejects a file that cannot fit alone, naming it, its tokens and the budget', () => {
    const contents = new Map([['huge.txt', 'word '.repeat(5_000)]]);
    const error = failure(() =>
      decompose(scoped({ requested_changes: [{ path: 'huge.txt', summary: 'x' }] }), {
        baseCommit: BASE,
        policy: policy({ max_tokens_per_assignment: 100_000, context_tokens: 1_000 }),
        contents,
      }),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(
      /^'huge\.txt' alone needs \d+ tokens of context, over the budget of 1000 \(orchestrator\.context_tokens\)/,
    );
  });

  it('merges requester assignments that share a file instead of failing', () => {
    const planned = decompose(
      scoped({
        assignments: [
          { task_id: 'x', parent_request_id: 'R', summary: 'x', file_targets: ['a.txt', 'b.txt'] },
          { task_id: 'y', parent_request_id: 'R', summary: 'y', file_targets: ['b.txt', 'c.txt'] },
          { task_id: 'z', parent_request_id: 'R', summary: 'z', file_targets: ['d.txt'] },
        ],
      }),
      { baseCommit: BASE, policy: policy(), contents: new Map() },
    );
    expect(planned.map((item) => [item.assignment.task_id, item.assignment.file_targets])).toEqual([
      ['x', ['a.txt', 'b.txt', 'c.txt']],
      ['z', ['d.txt']],
    ]);
    expect(planned[0]!.assignment.summary).toBe('x; y');
  });

  it('takes checks from the plan, then the config, then the request', () => {
    const withConfig = HyperionConfigSchema.parse({ checks: [{ name: 'lint', command: 'pnpm lint' }] });
    const bare = HyperionConfigSchema.parse({});
    expect(resolveChecks(['cargo test'], withConfig, ['npm test'])).toEqual({
      checks: ['cargo test'],
      checksSource: 'plan',
    });
    expect(resolveChecks(undefined, withConfig, ['npm test'])).toEqual({
      checks: ['pnpm lint'],
      checksSource: 'config',
    });
    expect(resolveChecks([], bare, ['npm test'])).toEqual({ checks: ['npm test'], checksSource: 'request' });
    expect(resolveChecks(undefined, bare, undefined)).toEqual({ checks: undefined, checksSource: 'none' });
    const planned = decompose(scoped({ requested_changes: files(['a.txt']), checks: ['npm test'] }), {
      baseCommit: BASE,
      policy: decompositionPolicy(bare, ['make check'], ['npm test']),
      contents: new Map(),
    });
    expect(planned[0]!.assignment.checks).toEqual(['make check']);
  });
});

describe('repairDecomposition (a model-made decomposition is never trusted)', () => {
  it('drops foreign and twice-owned files, groups orphans, splits oversized assignments and sets the checks', () => {
    const request = scoped({
      requested_changes: files(['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/d.ts', 'docs/e.md']),
    });
    const { planned, repairs } = repairDecomposition(
      request,
      {
        assignments: [
          { summary: 'most', files: ['src/a.ts', 'src/b.ts', 'src/c.ts', '/etc/passwd'], instructions: [] },
          { summary: 'again', files: ['src/a.ts'], instructions: [] },
          { summary: 'more', files: ['src/d.ts'], instructions: ['be careful'] },
        ],
      },
      {
        baseCommit: BASE,
        policy: policy({ max_files_per_assignment: 2 }, ['npm test']),
        contents: new Map(),
      },
    );
    expect(planned.map((item) => item.assignment.file_targets)).toEqual([
      ['src/a.ts', 'src/b.ts'],
      ['src/c.ts'],
      ['src/d.ts'],
      ['docs/e.md'],
    ]);
    expect(planned.every((item) => JSON.stringify(item.assignment.checks) === '["npm test"]')).toBe(true);
    expect(repairs).toEqual([
      "assignment 1: dropped '/etc/passwd', which the request does not target",
      "assignment 2: dropped 'src/a.ts', already owned by an earlier assignment",
      'assignment 2: dropped, it owns no target file',
      'unassigned target files grouped by the rules: docs/e.md',
      "split 'most' (3 files) into 2 assignments to fit the limits",
    ]);
  });
});
