import { describe, expect, it } from 'vitest';
import { RecordingMockHarness } from '@hyperion/harness/testing';
import { HyperionError, TaskRequestSchema, type TaskRequestInput } from '@hyperion/schema';
import { applyAnswers, clarifyScope, essentialQuestions, scopeByRules } from './engineer.js';
import { scopeWithModel, scopedRequestJsonSchema } from './model-engineer.js';

function request(input: Partial<TaskRequestInput>) {
  return TaskRequestSchema.parse({ request_id: 'R', summary: 'Add a feature', ...input });
}

const existing = new Set(['src/a.ts', 'README.md']);
const fileExists = (path: string) => existing.has(path);

describe('the deterministic engineer', () => {
  it('classifies, sets acceptance criteria and risk, and verifies target files', () => {
    const scoped = clarifyScope(
      request({
        summary: 'Fix the crash',
        requested_changes: [
          { path: 'src/a.ts', summary: 'guard null' },
          { path: 'src/new.ts', content: 'x' },
        ],
      }),
      'R',
      fileExists,
    );
    expect(scoped).toMatchObject({
      classification: 'bugfix',
      risk: 'low',
      acceptanceCriteria: ['src/a.ts: guard null', 'src/new.ts: Fix the crash'],
      targetFiles: [
        { path: 'src/a.ts', exists: true },
        { path: 'src/new.ts', exists: false },
      ],
      source: 'deterministic',
    });
    expect(
      scopeByRules(request({ requested_changes: [{ path: 'README.md', content: 'x' }] }), 'R', fileExists)
        .classification,
    ).toBe('docs');
    expect(
      scopeByRules(
        request({ requested_changes: [{ path: '.github/workflows/ci.yml', content: 'x' }] }),
        'R',
        fileExists,
      ).risk,
    ).toBe('high');
  });

  it('stops with invalid_input listing every open question', () => {
    let caught: unknown;
    try {
      clarifyScope(request({ requested_changes: [{ path: 'nope.ts', summary: 'x' }] }), 'R', fileExists);
    } catch (error) {
      caught = error;
    }
    expect(HyperionError.isInstance(caught) && caught.code).toBe('invalid_input');
    expect((caught as HyperionError).details['openQuestions']).toEqual([
      `'nope.ts' does not exist at the base commit: should it be created (operation "create")?`,
    ]);
    expect(() => clarifyScope(request({}), 'R', fileExists)).toThrow(/Which files should change\?/);
  });

  it('applies answers: listed files become changes, yes creates a file, no drops it', () => {
    const original = request({
      requested_changes: [
        { path: 'a.new', summary: 'x' },
        { path: 'b.new', summary: 'y' },
      ],
    });
    const questions = essentialQuestions(original, fileExists);
    const answered = applyAnswers(original, [
      { question: questions[0]!, answer: 'yes' },
      { question: questions[1]!, answer: 'no' },
      { question: { kind: 'files', question: 'which?' }, answer: 'src/a.ts, README.md' },
    ]);
    expect(answered.requested_changes.map((change) => [change.path, change.operation])).toEqual([
      ['a.new', 'create'],
      ['src/a.ts', undefined],
      ['README.md', undefined],
    ]);
  });
});

describe('the model-backed engineer', () => {
  it('asks for structured output with the ScopedRequest JSON Schema and uses a valid answer', async () => {
    const harness = new RecordingMockHarness({
      results: [
        {
          structuredOutput: {
            classification: 'refactor',
            acceptance_criteria: ['tests still pass'],
            target_files: [
              { path: 'src/a.ts', new: false },
              { path: 'src/extracted.ts', new: true },
            ],
            risk: 'medium',
            open_questions: ['should the old name stay exported?'],
          },
        },
      ],
    });
    const { scoped } = await scopeWithModel(
      request({ requested_changes: [{ path: 'src/a.ts', summary: 'x' }] }),
      'R',
      {
        harness,
        workingDirectory: '/tmp',
        fileExists,
      },
    );
    expect(harness.requests[0]).toMatchObject({
      role: 'engineer',
      outputSchema: scopedRequestJsonSchema(),
      filesInScope: [],
    });
    expect(scoped).toMatchObject({
      source: 'model',
      classification: 'refactor',
      risk: 'medium',
      openQuestions: [],
      advisoryQuestions: ['should the old name stay exported?'],
      targetFiles: [
        { path: 'src/a.ts', exists: true },
        { path: 'src/extracted.ts', exists: false },
      ],
    });
    expect(scoped.request.requested_changes.at(-1)).toMatchObject({
      path: 'src/extracted.ts',
      operation: 'create',
    });
  });

  it.each([
    [{ text: 'I think this is a feature.' }, 'the engineer output is not JSON'],
    [
      { structuredOutput: { classification: 'chore' } },
      /^the engineer output does not match the schema: classification/,
    ],
    [
      {
        structuredOutput: {
          classification: 'docs',
          acceptance_criteria: ['x'],
          target_files: [{ path: '../etc/passwd', new: false }],
          risk: 'low',
          open_questions: [],
        },
      },
      /target_files\.0\.path: unsafe path/,
    ],
    [
      { status: 'failed' as const, error: 'model unreachable' },
      'the engineer run ended failed: model unreachable',
    ],
  ])('falls back to the rules, recorded, when the output is unusable: %j', async (result, reason) => {
    const harness = new RecordingMockHarness({ results: [result] });
    const { scoped } = await scopeWithModel(
      request({ requested_changes: [{ path: 'src/a.ts', summary: 'x' }] }),
      'R',
      {
        harness,
        workingDirectory: '/tmp',
        fileExists,
      },
    );
    expect(scoped.source).toBe('fallback');
    expect(scoped.fallbackReason).toMatch(reason);
    expect(scoped.classification).toBe('feature');
  });
});
