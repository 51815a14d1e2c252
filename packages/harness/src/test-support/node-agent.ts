import type { CommandHarnessOptions } from '../command/command-harness.js';
import { quoteForShell } from '../command/expand-command-template.js';
import type { HarnessConformanceScenarios } from '../testing/harness-conformance-options.js';

/**
 * A tiny agent for tests, run with `node -e`: its prompt is a JSON task. `write` writes a file,
 * `print` prints a JSON value, `hang` starts a grandchild `sleep` and never ends, `exit` exits with a code.
 */
const NODE_AGENT_SCRIPT = `
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const task = JSON.parse(process.argv[1]);
if (task.write) {
  fs.mkdirSync(path.dirname(task.write.path), { recursive: true });
  fs.writeFileSync(task.write.path, task.write.content);
  console.log('wrote ' + task.write.path);
}
if (task.print !== undefined) console.log(JSON.stringify(task.print));
if (task.environment) console.log(JSON.stringify(process.env));
if (task.stderr) console.error(task.stderr);
if (task.hang) {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  if (task.pidFile) fs.writeFileSync(task.pidFile, String(child.pid));
  console.log('hanging');
  setInterval(() => {}, 1000);
}
if (task.exit !== undefined) process.exit(task.exit);
`;

/** Command harness options that run the test agent with the current Node binary. */
export const nodeAgentOptions: CommandHarnessOptions = {
  command: [process.execPath, '-e', NODE_AGENT_SCRIPT, '{prompt}'],
  killGraceMs: 500,
};

/** The same agent as a string template, run with `sh -c`. */
export const nodeAgentShellTemplate = `${quoteForShell(process.execPath)} -e ${quoteForShell(NODE_AGENT_SCRIPT)} {prompt}`;

/** The prompt of a test agent task. */
export function nodeAgentPrompt(task: Record<string, unknown>): string {
  return JSON.stringify(task);
}

/** How the conformance suite drives the test agent through the command harness. */
export const nodeAgentScenarios: HarnessConformanceScenarios = {
  writeFile: (path, content) => ({ prompt: nodeAgentPrompt({ write: { path, content } }) }),
  hang: () => ({ prompt: nodeAgentPrompt({ hang: true }) }),
  structuredOutput: (value) => ({ prompt: nodeAgentPrompt({ print: value }) }),
};
