import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { killProcessGroup } from '@hyperion/harness';

/** How an agent process ended. */
export interface AgentProcessOutcome {
  /** The exit code, or null when a signal ended it (or it never started). */
  exitCode: number | null;
  /** The end of what it wrote on stderr. */
  stderr: string;
  /** Why it could not be started, when it could not. */
  spawnError?: Error;
}

/** What {@link runAgentProcess} starts and how. */
export interface AgentProcessOptions {
  command: readonly [string, ...string[]];
  workingDirectory: string;
  environment: Record<string, string>;
  /** Written to the process's stdin, which is then closed. */
  input: string;
  /** Aborting it stops the whole process group: SIGTERM, then SIGKILL after `killGraceMs`. */
  signal: AbortSignal;
  killGraceMs: number;
  /** Called with each line of stdout, in order, before the returned promise resolves. */
  onLine: (line: string) => void;
}

const STDERR_LIMIT = 4_000;

/**
 * Runs the agent in its own process group (so that stopping it stops whatever it started too), in
 * the working directory, with only the environment given.
 */
export function runAgentProcess(options: AgentProcessOptions): Promise<AgentProcessOutcome> {
  const [program, ...programArguments] = options.command;
  return new Promise((resolve) => {
    const child = spawn(program, programArguments, {
      cwd: options.workingDirectory,
      env: options.environment,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let escalation: NodeJS.Timeout | undefined;
    let settled = false;
    const stop = () => {
      killProcessGroup(child.pid, 'SIGTERM');
      escalation = setTimeout(() => killProcessGroup(child.pid, 'SIGKILL'), options.killGraceMs);
    };
    const settle = (outcome: AgentProcessOutcome) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', stop);
      if (escalation !== undefined) clearTimeout(escalation);
      resolve(outcome);
    };
    if (options.signal.aborted) stop();
    else options.signal.addEventListener('abort', stop, { once: true });
    createInterface({ input: child.stdout }).on('line', options.onLine);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_LIMIT);
    });
    child.stdin.on('error', () => {}); // an agent may exit without reading its input
    child.stdin.end(options.input);
    child.on('error', (error) => settle({ exitCode: null, stderr, spawnError: error }));
    child.on('close', (exitCode) => settle({ exitCode, stderr }));
  });
}
