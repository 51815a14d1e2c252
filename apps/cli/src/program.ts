import { Command, CommanderError } from 'commander';
import { HyperionError, printable, printableBlock } from '@hyperion/schema';
import { registerApprovals } from './commands/approvals.js';
import { registerControls } from './commands/controls.js';
import { registerDemo } from './commands/demo.js';
import { registerRollback } from './commands/rollback.js';
import { registerInit } from './commands/init.js';
import { registerLog } from './commands/log.js';
import { registerPlan } from './commands/plan.js';
import { registerQueue } from './commands/queue.js';
import { registerRequest } from './commands/request.js';
import { registerRequests } from './commands/requests.js';
import { registerRun } from './commands/run.js';
import { registerSchema } from './commands/schema.js';
import { registerSubmit } from './commands/submit.js';
import { registerWatch } from './commands/watch.js';
import { registerWorker } from './commands/worker.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { jsonText, printableOutput, processOutput, type CommandOutput } from './output.js';

/** Builds the `hyperion` command tree. */
export function createProgram(given: CommandOutput = processOutput): Command {
  const output = printableOutput(given);
  const program = new Command('hyperion')
    .description('Hyperion: several coding agents, one branch, never broken.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    // commander quotes the arguments it refuses: they are shown with control characters visible.
    .configureOutput({
      writeOut: (text) => void process.stdout.write(printableBlock(text)),
      writeErr: (text) => void process.stderr.write(printableBlock(text)),
    })
    .exitOverride();
  for (const register of [
    registerInit,
    registerRequest,
    registerSubmit,
    registerWorker,
    registerRun,
    registerQueue,
    registerApprovals,
    registerRollback,
    registerControls,
    registerRequests,
    registerSchema,
    registerDemo,
    registerPlan,
    registerWatch,
    registerLog,
  ]) {
    register(program, output);
  }
  for (const command of program.commands) command.exitOverride();
  return program;
}

function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}

/**
 * Runs the CLI and returns the exit status: every HyperionError becomes one line on stderr
 * (`error[code]: message`, or a JSON object with `--json`) and the status its code maps to. The
 * message may quote hostile input: its control characters are shown as visible text.
 */
export async function runCli(
  argv: readonly string[],
  output: CommandOutput = processOutput,
): Promise<number> {
  const program = createProgram(output);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      )
        return EXIT.ok;
      return EXIT.usage;
    }
    const hyperionError = HyperionError.isInstance(error)
      ? error
      : new HyperionError('internal', error instanceof Error ? error.message : String(error), {
          cause: error,
        });
    if (wantsJson(argv)) output.error(jsonText({ error: hyperionError.toJSON() }));
    else {
      const message = printable(hyperionError.message.replace(/\s*\n\s*/g, ' ').trim());
      output.error(`error[${hyperionError.code}]: ${message}`);
    }
    if (
      hyperionError.code === 'internal' &&
      process.env['HYPERION_DEBUG'] === '1' &&
      error instanceof Error
    ) {
      output.error(printableBlock(error.stack ?? ''));
    }
    return exitCodeFor(hyperionError.code);
  }
}
