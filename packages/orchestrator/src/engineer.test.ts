import { describe, expect, it } from 'vitest';
import { RecordingMockHarness } from '@hyperion/harness/testing';
import { HyperionError, TaskRequestSchema, type TaskRequestInput } from '@hyperion/schema';
import { BaseFiles } from './base-files.js';
import { applyAnswers, clarifyScope, essentialQuestions, scopeByRules } from './engineer.js';
import { scopeWithModel, scopedRequestJsonSchema } from './model-engineer.js';

function request(input: Partial<TaskRequestInput>) {
  return TaskRequestSchema.parse({ request_id: 'R', summary: 'Add a feature', ...input });
}

const baseFiles = BaseFiles.of(['src/a.ts', 'README.md', 'src/engineer.ts', 'lib/format.ts']);

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
      baseFiles,
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
      scopeByRules(request({ requested_changes: [{ path: 'README.md', content: 'x' }] }), 'R', baseFiles)
        .classification,
    ).toBe('docs');
    expect(
      scopeByRules(
        request({ requested_changes: [{ path: '.github/workflows/ci.yml', content: 'x' }] }),
        'R',
        baseFiles,
      ).risk,
    ).toBe('high');
  });

  it('reads a path missing at the base as a file to create, recorded in the scope, with no question', () => {
    const scoped = clarifyScope(
      request({
        requested_changes: [
          { path: 'docs/CHANGELOG.md', summary: 'Start a changelog' },
          { path: 'src/b.ts', summary: 'a sibling of src/a.ts' },
          { path: 'src/a2.ts', summary: 'numbered, not a typo' },
        ],
      }),
      'R',
      baseFiles,
    );
    expect(scoped.openQuestions).toEqual([]);
    expect(scoped.request.requested_changes.map((change) => [change.path, change.operation])).toEqual([
      ['docs/CHANGELOG.md', 'create'],
      ['src/b.ts', 'create'],
      ['src/a2.ts', 'create'],
    ]);
    expect(scoped.targetFiles).toEqual([
      { path: 'docs/CHANGELOG.md', exists: false },
      { path: 'src/b.ts', exists: false },
      { path: 'src/a2.ts', exists: false },
    ]);
  });

  it.each([
    ['readme.md', 'README.md', /\(the same path in another letter case\)/],
    ['src/engnieer.ts', 'src/engineer.ts', /\(2 edits away\)/],
    ['scr/a.ts', 'src/a.ts', /\(2 edits away\)/],
    ['src/util/format.ts', 'lib/format.ts', /\(the same file name in another directory: was it moved\?\)/],
  ])('asks about a near miss %j, naming the existing %j', (path, existingPath, reason) => {
    let caught: unknown;
    try {
      clarifyScope(request({ requested_changes: [{ path, summary: 'x' }] }), 'R', baseFiles);
    } catch (error) {
      caught = error;
    }
    expect(HyperionError.isInstance(caught) && caught.code).toBe('invalid_input');
    const questions = (caught as HyperionError).details['openQuestions'] as string[];
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain(`'${path}' does not exist at the base commit, but '${existingPath}' does`);
    expect(questions[0]).toMatch(reason);
    expect(questions[0]).toContain(`set operation "create" to make '${path}' a new file`);
  });

  it('creates a near miss the request says to create, and asks about an update or a directory that is not a file', () => {
    const explicit = scopeByRules(
      request({ requested_changes: [{ path: 'readme.md', operation: 'create', summary: 'x' }] }),
      'R',
      baseFiles,
    );
    expect(explicit.openQuestions).toEqual([]);
    const update = scopeByRules(
      request({ requested_changes: [{ path: 'docs/new.md', operation: 'update', summary: 'x' }] }),
      'R',
      baseFiles,
    );
    expect(update.openQuestions).toEqual([
      `'docs/new.md' does not exist at the base commit: should it be created (operation "create")? Its operation "update" needs an existing file.`,
    ]);
    const directory = scopeByRules(
      request({ requested_changes: [{ path: 'src', summary: 'x' }] }),
      'R',
      baseFiles,
    );
    expect(directory.openQuestions).toEqual([
      `'src' is a directory at the base commit, not a file: which file in it should change?`,
    ]);
    expect(directory.request.requested_changes[0]?.operation).toBeUndefined();
  });

  it('stops with invalid_input when no file is named', () => {
    expect(() => clarifyScope(request({}), 'R', baseFiles)).toThrow(/Which files should change\?/);
  });

  it('applies answers: listed files become changes, yes creates a file, the resembled path replaces it, no drops it', () => {
    const original = request({
      requested_changes: [
        { path: 'readme.md', summary: 'x' },
        { path: 'src/engnieer.ts', summary: 'y' },
        { path: 'Src/A.ts', summary: 'z' },
      ],
    });
    const questions = essentialQuestions(original, baseFiles);
    expect(questions.map((question) => [question.path, question.resembles?.path])).toEqual([
      ['readme.md', 'README.md'],
      ['src/engnieer.ts', 'src/engineer.ts'],
      ['Src/A.ts', 'src/a.ts'],
    ]);
    const answered = applyAnswers(original, [
      { question: questions[0]!, answer: 'yes' },
      { question: questions[1]!, answer: 'src/engineer.ts' },
      { question: questions[2]!, answer: 'no' },
      { question: { kind: 'files', question: 'which?' }, answer: 'src/a.ts, README.md' },
    ]);
    expect(answered.requested_changes.map((change) => [change.path, change.operation])).toEqual([
      ['readme.md', 'create'],
      ['src/engineer.ts', undefined],
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
        baseFiles,
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
        baseFiles,
      },
    );
    expect(scoped.source).toBe('fallback');
    expect(scoped.fallbackReason).toMatch(reason);
    expect(scoped.classification).toBe('feature');
  });
});

describe('the model-backed engineer on paths missing at the base', () => {
  const newFileRequest = () =>
    request({ requested_changes: [{ path: 'docs/CHANGELOG.md', summary: 'Start a changelog' }] });

  it('creates a new requested file when the model answer does not parse and the rules take over', async () => {
    const harness = new RecordingMockHarness({ results: [{ text: 'Sure, a changelog it is.' }] });
    const { scoped } = await scopeWithModel(newFileRequest(), 'R', {
      harness,
      workingDirectory: '/tmp',
      baseFiles,
    });
    expect(scoped).toMatchObject({
      source: 'fallback',
      fallbackReason: 'the engineer output is not JSON',
      openQuestions: [],
      targetFiles: [{ path: 'docs/CHANGELOG.md', exists: false }],
    });
    expect(scoped.request.requested_changes[0]).toMatchObject({ operation: 'create' });
  });

  it('creates a file the model lists as existing when it is new, and asks about one that is a near miss', async () => {
    const harness = new RecordingMockHarness({
      results: [
        {
          structuredOutput: {
            classification: 'docs',
            acceptance_criteria: ['the changelog exists'],
            target_files: [
              { path: 'docs/CHANGELOG.md', new: false },
              { path: 'Readme.md', new: false },
            ],
            risk: 'low',
            open_questions: [],
          },
        },
      ],
    });
    const { scoped } = await scopeWithModel(newFileRequest(), 'R', {
      harness,
      workingDirectory: '/tmp',
      baseFiles,
    });
    expect(scoped.source).toBe('model');
    expect(scoped.request.requested_changes[0]).toMatchObject({
      path: 'docs/CHANGELOG.md',
      operation: 'create',
    });
    expect(scoped.openQuestions).toEqual([
      expect.stringContaining(`'Readme.md' does not exist at the base commit, but 'README.md' does`),
    ]);
  });
});
