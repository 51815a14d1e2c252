import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Whether a real agent CLI can run here, and where it is. */
export interface AgentCli {
  /** The path of the installed binary (`node_modules/.bin/<name>`). */
  binary: string;
  /** Its `--version`, when it runs. */
  version?: string;
  /** Why it cannot run, when it cannot. */
  unavailable?: string;
}

const BIN_DIRECTORY = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));

/** Looks for the CLI this package installs as a dev dependency and checks that it starts. */
function locate(name: 'copilot' | 'claude', packageName: string): AgentCli {
  const binary = `${BIN_DIRECTORY}${name}`;
  if (!existsSync(binary)) {
    return { binary, unavailable: `${packageName} is not installed (run pnpm install)` };
  }
  try {
    const version = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000, stdio: 'pipe' });
    return { binary, version: version.trim().split('\n')[0] ?? '' };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    return {
      binary,
      unavailable: `${packageName} does not start here: ${stderr.trim().split('\n')[0] ?? ''}`,
    };
  }
}

/** The GitHub Copilot CLI (`@github/copilot`). */
export const copilotCli = locate('copilot', '@github/copilot');
/** Claude Code (`@anthropic-ai/claude-code`). */
export const claudeCli = locate('claude', '@anthropic-ai/claude-code');

/** The title suffix of a suite that needs `cli`: says why it is skipped when it is. */
export function skipReason(cli: AgentCli): string {
  return cli.unavailable === undefined ? '' : ` (skipped: ${cli.unavailable})`;
}
