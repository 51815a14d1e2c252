import { resolve } from 'node:path';
import type { Command } from 'commander';
import { HyperionError, printable } from '@hyperion/schema';
import type { CommandOutput } from '../output.js';
import { registerPlanRequest } from './plan-request.js';

/** `hyperion plan check <file>`: checks a plan (WORKPLAN.md format) and reports each problem. */
export function registerPlan(program: Command, output: CommandOutput): void {
  const plan = program
    .command('plan')
    .description('plan files (WORKPLAN.md format) that gate dispatch, and the plan of a task request');
  registerPlanRequest(plan, output);
  plan
    .command('check <file>')
    .description('check the plan metadata: approval, required sections, validation policy')
    .option('--json', 'print one JSON object')
    .action(async (file: string, options: { json?: boolean }) => {
      const { checkPlanFile, formatPlanProblems } = await import('@hyperion/orchestrator');
      const check = checkPlanFile(resolve(file));
      const shown = { ...check, file };
      if (options.json === true) {
        output.json(shown);
      } else if (check.ok) {
        output.line(
          `${printable(file)}: approved, ${check.requiredSections.length} required sections present`,
        );
        output.line(`Validation policy: ${printable(check.validationPolicy.join('; '))}`);
      } else {
        for (const line of formatPlanProblems(shown)) output.line(printable(line));
      }
      if (!check.ok) {
        throw new HyperionError(
          'invalid_input',
          `${file}: ${check.problems.length} problem(s); the plan blocks dispatch`,
          { details: { file, problems: check.problems } },
        );
      }
    });
}
