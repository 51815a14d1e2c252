import { Command, CommanderError } from 'commander';
import { printable, printableBlock } from '@hyperion/schema';
import { registerApprovals } from './commands/approvals.js';
import { registerControls } from './commands/controls.js';
import { registerDemo } from './commands/demo.js';
import { registerRollback } from './commands/rollback.js';
import { registerInit } from './commands/init.js';
import { registerLog } from './commands/log.js';
import { registerMaintenance } from './commands/maintenance.js';
import { registerMetrics } from './commands/metrics.js';
import { registerPlan } from './commands/plan.js';
import { registerQueue } from './commands/queue.js';
import { registerReport } from './commands/report.js';
import { registerRequest } from './commands/request.js';
import { registerRequests } from './commands/requests.js';
import { registerRun } from './commands/run.js';
import { registerSchema } from './commands/schema.js';
import { registerSubmit } from './commands/submit.js';
import { registerTui } from './commands/tui.js';
import { registerWatch } from './commands/watch.js';
import { registerWorker } from './commands/worker.js';
import { isCommanderSuccess, oneLine, toHyperionError } from './error-translation.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { jsonText, printableOutput, processOutput, type CommandOutput } from './output.js';

/** What adds one or more of the top-level commands to the program. */
type Registration = (program: Command, output: CommandOutput) => void;

/**
 * Every top-level command, in the order `--help` lists them, with the function that adds it (some
 * add several). `program.test.ts` checks these names against what the functions add.
 */
const REGISTRATIONS: ReadonlyArray<readonly [names: readonly string[], register: Registration]> = [
  [['init'], registerInit],
  [['request'], registerRequest],
  [['submit'], registerSubmit],
  [['worker'], registerWorker],
  [['run'], registerRun],
  [['queue'], registerQueue],
  [['approve', 'reject', 'cancel', 'bump'], registerApprovals],
  [['rollback'], registerRollback],
  [['pause', 'resume', 'drain'], registerControls],
  [['requests'], registerRequests],
  [['schema'], registerSchema],
  [['demo'], registerDemo],
  [['plan'], registerPlan],
  [['watch'], registerWatch],
  [['log'], registerLog],
  [['backup', 'cleanup', 'doctor'], registerMaintenance],
  [['tui'], registerTui],
  [['report'], registerReport],
  [['metrics'], registerMetrics],
];

/** The names of every top-level command, in the order `--help` lists them. */
export const COMMAND_NAMES: readonly string[] = REGISTRATIONS.flatMap(([names]) => names);

/**
 * The program with the top-level commands `registrations` add: every one, or (see
 * {@link runCli}) only those of the command being run.
 */
function programWith(given: CommandOutput, registrations: readonly Registration[]): Command {
  const output = printableOutput(given);
  const program = new Command('hyperion')
    .description('Hyperion: several coding agents, one branch, never broken.')
    .version('0.1.0')
    .exitOverride()
    // A command's options come after its name (`hyperion log --follow`, `hyperion log verify --repo
    // x`): without this, `log`'s own options would take its subcommands' ones.
    .enablePositionalOptions()
    // commander's help text quotes what it was given: control characters are shown as visible
    // text. Its own error lines are replaced by Hyperion's one line (`error[usage]: …`).
    .configureOutput({
      writeOut: (text) => void process.stdout.write(printableBlock(text)),
      writeErr: (text) => void process.stderr.write(printableBlock(text)),
      outputError: () => undefined,
    });
  for (const register of registrations) register(program, output);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Builds the `hyperion` command tree. */
export function createProgram(given: CommandOutput = processOutput): Command {
  return programWith(
    given,
    REGISTRATIONS.map(([, register]) => register),
  );
}

/**
 * The program that runs `argv`. When its first word names a command, commander dispatches to that
 * command alone, so only that command's registration is built (the others' option trees are a
 * measurable part of a short command's start); anything else (`--help`, `help`, an unknown
 * command, a global option) gets every command.
 */
function programFor(argv: readonly string[], given: CommandOutput): Command {
  const first = argv[0];
  const registration = REGISTRATIONS.find(([names]) => first !== undefined && names.includes(first));
  return registration === undefined ? createProgram(given) : programWith(given, [registration[1]]);
}

function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}

/**
 * Runs the CLI and returns the exit status: every error becomes one line on stderr
 * (`error[code]: message`, or a JSON object with `--json`) and the status its code maps to
 * (commander's mistakes are `usage`, exit 2). The message may quote hostile input: its control
 * characters are shown as visible text.
 */
export async function runCli(
  argv: readonly string[],
  output: CommandOutput = processOutput,
): Promise<number> {
  const program = programFor(argv, output);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError && isCommanderSuccess(error)) return EXIT.ok;
    // Commander has already printed the help it shows in place of a missing command.
    if (error instanceof CommanderError && error.code === 'commander.help') return EXIT.usage;
    const hyperionError = toHyperionError(error);
    if (wantsJson(argv)) output.error(jsonText({ error: hyperionError.toJSON() }));
    else output.error(`error[${hyperionError.code}]: ${printable(oneLine(hyperionError.message))}`);
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
