import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandHarness } from '@hyperion/harness';

/**
 * What the budget agent does for one run, chosen by the run's key: `engineer`, `orchestrator`, or
 * the first file in the developer's scope.
 */
export interface BudgetAgentStep {
  /** Wait until the run of this key has started (so two runs are known to overlap). */
  waitFor?: string;
  /** Usage lines to print, one per simulated model call. */
  usage?: Array<{
    input_tokens?: number;
    output_tokens?: number;
    cached_input_tokens?: number;
    credits?: number;
  }>;
  /** Content written to every file in scope (developers). */
  write?: string;
  /** Text printed last (a planning answer). */
  answer?: string;
  /** After the rest: hang until killed, and leave a grandchild `sleep` running in the group. */
  hang?: boolean;
}

const SCRIPT = String.raw`
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
const [markers, workingDirectory, prompt, ...files] = process.argv.slice(2);
const key = prompt.startsWith('You are the engineer')
  ? 'engineer'
  : prompt.startsWith('You are the orchestrator')
    ? 'orchestrator'
    : files[0];
const plan = JSON.parse(readFileSync(join(markers, 'plan.json'), 'utf8'));
const step = plan[key] ?? {};
const pids = { pid: process.pid };
if (step.hang) {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  pids.child = child.pid;
}
writeFileSync(join(markers, encodeURIComponent(key) + '.started'), JSON.stringify(pids));
const waitFor = async (name) => {
  while (!existsSync(join(markers, encodeURIComponent(name) + '.started'))) await new Promise((resolve) => setTimeout(resolve, 10));
};
if (step.waitFor) await waitFor(step.waitFor);
if (step.write !== undefined) {
  for (const file of files) {
    mkdirSync(dirname(join(workingDirectory, file)), { recursive: true });
    writeFileSync(join(workingDirectory, file), step.write);
  }
}
for (const usage of step.usage ?? []) console.log(JSON.stringify({ usage }));
if (step.hang) setInterval(() => {}, 1000);
else if (step.answer !== undefined) console.log(step.answer);
`;

/** A real child-process agent (through {@link CommandHarness}) whose runs follow a plan. */
export interface BudgetAgent {
  harness: CommandHarness;
  /** The process ids a run of `key` left (its own and its grandchild's), or undefined if it never started. */
  started(key: string): { pid: number; child?: number } | undefined;
  /** Removes the agent's directory. */
  cleanup(): void;
}

/** Writes the script and plan to a temporary directory and returns the harness that runs them. */
export function budgetAgent(plan: Record<string, BudgetAgentStep>): BudgetAgent {
  const directory = mkdtempSync(join(tmpdir(), 'hyperion-budget-agent-'));
  writeFileSync(join(directory, 'agent.mjs'), SCRIPT);
  writeFileSync(join(directory, 'plan.json'), JSON.stringify(plan));
  return {
    harness: new CommandHarness({
      command: [
        process.execPath,
        join(directory, 'agent.mjs'),
        directory,
        '{workingDirectory}',
        '{prompt}',
        '{files}',
      ],
      reportsUsage: true,
      killGraceMs: 500,
    }),
    started(key) {
      const file = join(directory, `${encodeURIComponent(key)}.started`);
      return existsSync(file)
        ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number; child?: number })
        : undefined;
    },
    cleanup: () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** Whether a process with this id is still alive (a zombie counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.split(') ')[1]?.startsWith('Z') !== true;
  } catch {
    return false;
  }
}
