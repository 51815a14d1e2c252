import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskRequestSchema } from '@hyperion/schema';
import { requestHistory } from '@hyperion/store';
import { runRequestPipeline } from './request-pipeline.js';
import { createPipelineSetup, ScriptedAgent, type PipelineSetup } from './testing/pipeline-setup.js';

let setup: PipelineSetup | undefined;

afterEach(async () => {
  await setup?.cleanup();
  setup = undefined;
});

const DIRECTORIES = ['src/api', 'src/core', 'src/ui', 'docs', 'test'];
const FILES = DIRECTORIES.flatMap((directory) =>
  [1, 2, 3, 4].map((index) => `${directory}/file-${index}.ts`),
);

describe('a request touching 20 files across 5 directories, planned by a model', () => {
  it('becomes disjoint assignments within budget; every change lands and the history tells the story', async () => {
    const files = Object.fromEntries(
      FILES.map((path) => [path, `export const name = ${JSON.stringify(path)};\n`.repeat(20)]),
    );
    setup = await createPipelineSetup(files, {
      orchestrator: { max_files_per_assignment: 3, max_tokens_per_assignment: 2_000, developers: 4 },
      workers: 3,
    });
    const harness = new ScriptedAgent({
      engineer: () => ({
        structuredOutput: {
          classification: 'refactor',
          acceptance_criteria: ['every file names itself in a trailing comment'],
          target_files: FILES.map((path) => ({ path, new: false })),
          risk: 'medium',
          open_questions: [],
        },
      }),
      // A sloppy model: one giant assignment, a duplicate, a file outside the request.
      orchestrator: () => ({
        structuredOutput: {
          assignments: [
            {
              summary: 'all the source',
              files: FILES.filter((path) => path.startsWith('src/')),
              instructions: [],
            },
            {
              summary: 'docs and tests',
              files: [
                ...FILES.filter((path) => !path.startsWith('src/')),
                'src/api/file-1.ts',
                'package.json',
              ],
            },
          ],
        },
      }),
    });
    const outcome = await runRequestPipeline(
      TaskRequestSchema.parse({
        request_id: 'R-20',
        summary: 'Name every module in a trailing comment',
        requested_changes: FILES.map((path) => ({ path, summary: 'append a comment naming the file' })),
      }),
      {
        repository: setup.temporary.repository,
        store: setup.store,
        queue: setup.queue,
        harness,
        worktreesDirectory: setup.worktreesDirectory,
      },
    );
    expect(outcome.planning).toMatchObject({ engineer: 'model', orchestrator: 'model' });
    expect(outcome.planning.repairs).toEqual(
      expect.arrayContaining([
        "assignment 2: dropped 'src/api/file-1.ts', already owned by an earlier assignment",
        "assignment 2: dropped 'package.json', which the request does not target",
      ]),
    );
    const owned = outcome.assignments.flatMap((assignment) => assignment.files);
    expect(owned.sort()).toEqual([...FILES].sort());
    expect(new Set(owned).size).toBe(FILES.length);
    expect(outcome.assignments.length).toBeGreaterThanOrEqual(7);
    for (const assignment of outcome.assignments) {
      expect(assignment.files.length).toBeLessThanOrEqual(3);
      expect(assignment.context_tokens).toBeLessThanOrEqual(2_000);
    }
    const developerPrompts = harness.requests.filter((run) => run.role === 'developer');
    expect(developerPrompts).toHaveLength(outcome.assignments.length);

    await setup.queue.runWorkers({ mode: 'drain' });
    expect((await setup.store.listEntries()).map((entry) => entry.state)).toEqual(
      outcome.assignments.map(() => 'landed'),
    );
    for (const path of FILES) {
      expect(readFileSync(join(setup.temporary.root, path), 'utf8')).toMatch(`// edited: ${path}\n`);
    }
    const [story] = await requestHistory(setup.store, 10);
    expect(story).toMatchObject({
      id: 'R-20',
      status: 'enqueued',
      outcome: { landed: outcome.assignments.length },
      scope: { classification: 'refactor', risk: 'medium', engineer: 'model', orchestrator: 'model' },
    });
    expect(story!.planning_runs.map((run) => run.role)).toEqual(['engineer', 'orchestrator']);
    expect(story!.usage).toMatchObject({
      input_tokens: 1_000 * outcome.assignments.length,
      output_tokens: 200 * outcome.assignments.length,
    });
    for (const assignment of story!.assignments) {
      expect(assignment.entries).toEqual([expect.objectContaining({ state: 'landed' })]);
      expect(assignment.usage).toMatchObject({ input_tokens: 1_000, output_tokens: 200, runs: 1 });
      expect(assignment.runs[0]).toMatchObject({ status: 'ok', change_id: assignment.entries[0]!.id });
    }
  });
});
