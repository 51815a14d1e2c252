import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { OpenQuestion, RequestOutcome } from '@hyperion/orchestrator';
import { HyperionError, printable, type QueueEntry } from '@hyperion/schema';
import { withRepository } from '../context.js';
import { agentOption, checkAgentOption } from '../agent-option.js';
import { parseWorkerCount } from '../option-parsers.js';
import { pad, shortCommit, type CommandOutput } from '../output.js';
import { printCollisions, printPhases } from './request-collisions-output.js';

interface RequestOptions {
  repo?: string;
  wait?: boolean;
  json?: boolean;
  agent?: string;
  workers?: number;
  interactive?: boolean;
}

/**
 * Asks open questions at the terminal: each question on stderr, one answer per line of stdin.
 * Lines are read through one async iterator, so answers piped in ahead of the questions are kept.
 */
function terminalQuestioner(): { ask: (questions: OpenQuestion[]) => Promise<string[]>; close: () => void } {
  const lines = createInterface({ input: process.stdin, terminal: false });
  const iterator = lines[Symbol.asyncIterator]();
  return {
    ask: async (questions) => {
      const answers: string[] = [];
      for (const question of questions) {
        process.stderr.write(`? ${printable(question.question)}\n> `);
        const next = await iterator.next();
        if (next.done === true) {
          throw new HyperionError('invalid_input', `no answer on standard input to: ${question.question}`, {
            details: { question: question.question },
          });
        }
        answers.push(String(next.value));
      }
      return answers;
    },
    close: () => lines.close(),
  };
}

/** `hyperion request <file>`: headless engineer → orchestrator → developers → queue. */
export function registerRequest(program: Command, output: CommandOutput): void {
  program
    .command('request <file>')
    .description('turn a TaskRequest JSON file into enqueued change requests (headless)')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--wait', 'also run the queue until these entries are terminal, and print the outcome')
    .option('--workers <count>', 'workers for --wait, 1 to 32 (default: config)', parseWorkerCount)
    .addOption(agentOption())
    .option('--interactive', 'ask open questions at the terminal instead of failing')
    .option('--json', 'print one JSON object')
    .hook('preAction', (_command, actionCommand) => checkAgentOption(actionCommand))
    .action(async (file: string, options: RequestOptions) => {
      // The orchestrator and the harnesses are loaded when a request runs, never at start.
      const [{ loadTaskRequest, runRequestPipeline }, { selectHarness }] = await Promise.all([
        import('@hyperion/orchestrator'),
        import('../harness-selection.js'),
      ]);
      const request = loadTaskRequest(file);
      const questioner = options.interactive === true ? terminalQuestioner() : undefined;
      await withRepository(options, async (context) => {
        const harness = selectHarness(options.agent, context.config);
        const outcome = await runRequestPipeline(request, {
          repository: context.repository,
          store: context.store,
          queue: context.queue,
          harness,
          worktreesDirectory: context.paths.worktreesDirectory,
          config: context.config,
          answerQuestions: questioner?.ask,
        }).finally(() => questioner?.close());
        let entries: QueueEntry[] | undefined;
        if (options.wait === true) {
          await context.queue.runWorkers({
            mode: 'drain',
            workers: options.workers,
          });
          entries = await Promise.all(
            outcome.enqueued.map((item) => context.store.requireEntry(item.change_id)),
          );
        }
        printOutcome(output, outcome, entries, options.json === true);
        if (outcome.failed.length > 0) {
          // Partial landing: the rest went ahead, but the command says plainly that not all of it did.
          throw new HyperionError(
            'agent_failed',
            `${outcome.failed.length} of ${outcome.assignments.length} assignment(s) failed and were not enqueued: ${outcome.failed.map((item) => `${item.task_id} (${item.message})`).join('; ')}`,
            { details: { failed: outcome.failed } },
          );
        }
        const notLanded = entries?.filter((entry) => entry.state !== 'landed') ?? [];
        if (notLanded.length > 0) {
          throw new HyperionError(
            'not_landed',
            `${notLanded.length} of ${entries?.length ?? 0} change(s) did not land: ${notLanded.map((entry) => `${entry.id} ${entry.state}`).join(', ')}`,
            { details: { entries: notLanded.map((entry) => ({ id: entry.id, state: entry.state })) } },
          );
        }
      });
    });
}

function printOutcome(
  output: CommandOutput,
  outcome: RequestOutcome,
  entries: QueueEntry[] | undefined,
  json: boolean,
): void {
  if (json) {
    output.json({
      ...outcome,
      ...(entries === undefined
        ? {}
        : {
            outcome: entries.map((entry) => ({
              change_id: entry.id,
              task_id: entry.task_id,
              state: entry.state,
              landed_commit: entry.landed_commit,
              last_error: entry.last_error,
            })),
          }),
    });
    return;
  }
  output.line(
    `Request ${printable(outcome.request_id)} (${printable(outcome.classification)}, ${printable(outcome.risk)} risk) on ${shortCommit(outcome.base_commit)}`,
  );
  output.line(`Assignments: ${outcome.assignments.length}`);
  for (const assignment of outcome.assignments) {
    output.line(
      `  ${pad(assignment.task_id, 20)} ${pad(`${assignment.context_tokens} tokens`, 14)} ${printable(assignment.files.join(', '))}`,
    );
  }
  for (const repair of outcome.planning.repairs) output.line(`  repaired: ${printable(repair)}`);
  printPhases(output, outcome.phases);
  printCollisions(output, outcome.collisions);
  output.line(`Enqueued ${outcome.enqueued.length} change request(s):`);
  for (const item of outcome.enqueued) {
    output.line(`  ${pad(item.change_id, 20)} ${pad(item.task_id, 20)} ${printable(item.paths.join(', '))}`);
  }
  if (outcome.failed.length > 0) {
    output.line(`Not enqueued (${outcome.failed.length} failed, on_partial_failure: land_succeeded):`);
    for (const item of outcome.failed) {
      output.line(`  ${pad(item.task_id, 20)} ${pad(item.code, 20)} ${printable(item.message)}`);
    }
  }
  output.line(`Spent: ${formatSpending(outcome.budget)}`);
  if (entries === undefined) return;
  output.line('Outcome:');
  for (const entry of entries) {
    const detail =
      entry.state === 'landed' ? shortCommit(entry.landed_commit) : printable(entry.last_error ?? '');
    output.line(`  ${pad(entry.id, 20)} ${pad(entry.state, 12)} ${detail}`);
  }
}

/** The request's spending, with its limits when it had a budget. */
export function formatSpending(budget: RequestOutcome['budget']): string {
  const { spending, limits } = budget;
  const tokens = spending.input_tokens + spending.output_tokens;
  const parts = [
    `${tokens}${limits.max_tokens === undefined ? '' : ` of ${limits.max_tokens}`} tokens (input ${spending.input_tokens}, cached ${spending.cached_input_tokens}, output ${spending.output_tokens})`,
    `${Math.round(spending.credits * 10_000) / 10_000}${limits.max_credits === undefined ? '' : ` of ${limits.max_credits}`} credits`,
    `${(spending.elapsed_ms / 1000).toFixed(1)}${limits.timeout_ms === undefined ? '' : ` of ${(limits.timeout_ms / 1000).toFixed(1)}`} s`,
    `${spending.runs} agent run(s)`,
  ];
  return parts.join(', ');
}
