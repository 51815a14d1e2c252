import { describe, expect, it } from 'vitest';
import { TaskRequestSchema, type TaskRequestInput } from '@hyperion/schema';
import { BaseFiles } from './base-files.js';
import { scopeByRules } from './engineer.js';
import { changesOfPhase, phasesOfRequest } from './phase-plan.js';

function scoped(input: Omit<TaskRequestInput, 'summary'>) {
  const request = TaskRequestSchema.parse({ summary: 'phases', ...input });
  return scopeByRules(request, 'R', BaseFiles.of(['a.txt', 'b.txt']));
}

describe('phasesOfRequest', () => {
  it('keeps a request without order or repeated files in one phase, as given', () => {
    const request = scoped({
      requested_changes: [
        { path: 'a.txt', summary: 'x' },
        { path: 'b.txt', summary: 'y' },
      ],
    });
    const phases = phasesOfRequest(request);
    expect(phases).toEqual([{ number: 1, scoped: request }]);
    expect(changesOfPhase(request.request, 1)).toEqual(request.request.requested_changes);
  });

  it('merges the same intent asked twice, orders different intents on one file, then explicit phases', () => {
    const request = scoped({
      requested_changes: [
        { path: 'b.txt', summary: 'late', phase: 3 },
        { path: 'a.txt', summary: 'first' },
        { path: 'a.txt', summary: 'first' },
        { path: 'a.txt', summary: 'second' },
        { path: 'b.txt', summary: 'with the first' },
      ],
    });
    const phases = phasesOfRequest(request);
    expect(
      phases.map((phase) => [
        phase.number,
        phase.reason,
        phase.scoped.request.requested_changes.map((change) => change.summary),
      ]),
    ).toEqual([
      [1, undefined, ['first', 'first', 'with the first']],
      [2, 'same file again', ['second']],
      [3, 'explicit order', ['late']],
    ]);
    expect(phases.map((phase) => phase.scoped.targetFiles.map((file) => file.path))).toEqual([
      ['b.txt', 'a.txt'],
      ['a.txt'],
      ['b.txt'],
    ]);
    expect(changesOfPhase(request.request, 2).map((change) => change.summary)).toEqual(['second']);
    expect(changesOfPhase(request.request, 4)).toEqual([]);
  });

  it('counts a file created in an earlier phase as existing in the later ones', () => {
    const request = scoped({
      requested_changes: [
        { path: 'new.txt', content: 'one\n' },
        { path: 'new.txt', summary: 'then edit it' },
      ],
    });
    expect(request.openQuestions).toEqual([]);
    expect(request.request.requested_changes.map((change) => change.operation)).toEqual([
      'create',
      undefined,
    ]);
    const phases = phasesOfRequest(request);
    expect(phases.map((phase) => phase.scoped.targetFiles)).toEqual([
      [{ path: 'new.txt', exists: false }],
      [{ path: 'new.txt', exists: true }],
    ]);
  });
});
