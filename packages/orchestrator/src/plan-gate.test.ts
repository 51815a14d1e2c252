import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { checkPlanFile, checkPlanText, posixPatternToRegExp, requireApprovedPlan } from './plan-gate.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

const WORKPLAN = fileURLToPath(new URL('../test/fixtures/WORKPLAN.md', import.meta.url));

const PLAN = [
  '# Plan', // 1
  '', // 2
  '## Plan Metadata', // 3
  'Approval pattern: ^Approved:[[:space:]]+yes$', // 4
  'Required sections: Intent, Scope, Approval', // 5
  'Validation policy: node -e "process.exit(0)"; true', // 6
  '', // 7
  '## Intent', // 8
  'Do it.', // 9
  '', // 10
  '## Scope', // 11
  '- everything', // 12
  '', // 13
  '## Approval', // 14
  'Approved: yes', // 15
].join('\n');

describe('the plan gate', () => {
  it('passes the seed WORKPLAN.md and reads its validation policy', () => {
    const check = checkPlanFile(WORKPLAN);
    expect(check.problems).toEqual([]);
    expect(check).toMatchObject({ ok: true, approved: true });
    expect(check.requiredSections).toHaveLength(9);
    expect(check.validationPolicy).toEqual([
      'cargo fmt --check',
      'cargo clippy --workspace --all-targets --all-features',
      'cargo test --workspace',
    ]);
  });

  it('translates POSIX bracket classes into JavaScript', () => {
    const pattern = posixPatternToRegExp('^Approved:[[:space:]]+[[:alpha:]]+$');
    expect(pattern.test('Approved:\t yes')).toBe(true);
    expect(pattern.test('Approved:yes')).toBe(false);
    expect(() => posixPatternToRegExp('[[:nothing:]]')).toThrow(/unknown POSIX character class/);
  });

  it('reports an unapproved plan at the line of its Approval heading', () => {
    const check = checkPlanText(PLAN.replace('Approved: yes', 'Approved: no'), 'plan.md');
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([
      {
        line: 14,
        message:
          'the plan is not approved: no line of ## Approval matches the approval pattern ^Approved:[[:space:]]+yes$',
      },
    ]);
  });

  it('reports each missing or empty section, and an empty policy, with their lines', () => {
    const text = PLAN.replace('## Scope\n- everything\n', '## Scope\n\n')
      .replace(
        'Required sections: Intent, Scope, Approval',
        'Required sections: Intent, Scope, Goals, Approval',
      )
      .replace(/Validation policy: .*/, 'Validation policy:  ; ');
    const check = checkPlanText(text, 'plan.md');
    expect(check.problems).toEqual([
      { line: 5, message: "required section 'Goals' is missing (no '## Goals' heading)" },
      { line: 6, message: 'Validation policy is empty: no check command' },
      { line: 11, message: "required section 'Scope' is empty" },
    ]);
  });

  it('reports missing metadata', () => {
    expect(checkPlanText('# nothing here\n', 'x.md').problems).toEqual([
      { line: 1, message: "no '## Plan Metadata' section" },
    ]);
    const noKeys = checkPlanText('## Plan Metadata\nsomething\n## Approval\nApproved: yes\n', 'x.md');
    expect(noKeys.problems.map((problem) => problem.message)).toEqual([
      "Plan Metadata has no 'Required sections:' line",
      "Plan Metadata has no 'Validation policy:' line",
      "Plan Metadata has no 'Approval pattern:' line",
    ]);
  });

  it('blocks dispatch with one invalid_input error listing every problem', () => {
    const directory = temporaryDirectory('hyperion-plan');
    writeFileSync(join(directory, 'PLAN.md'), PLAN.replace('Approved: yes', 'Approved: later'));
    let caught: unknown;
    try {
      requireApprovedPlan(directory, { file: 'PLAN.md' });
    } catch (error) {
      caught = error;
    }
    expect(HyperionError.isInstance(caught) && caught.code).toBe('invalid_input');
    expect((caught as Error).message).toMatch(
      /^the plan PLAN\.md blocks dispatch: PLAN\.md:14: the plan is not approved/,
    );
    expect(requireApprovedPlan(directory, undefined)).toBeUndefined();
    expect(() => requireApprovedPlan(directory, { file: 'MISSING.md' })).toThrow(/cannot read plan/);
  });
});
