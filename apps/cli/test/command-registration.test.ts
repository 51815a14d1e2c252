import { describe, expect, it } from 'vitest';
import { hyperion } from './run-cli.js';

// `runCli` builds only the command its first word names (see `programFor` in src/program.ts):
// every command `--help` lists must still be found that way, with the same help, options and
// subcommands as in the full program.

/** The top-level command names of `hyperion --help`'s Commands section. */
function listedCommands(help: string): string[] {
  const section = help.split('\nCommands:\n')[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
    .map((match) => match[1]!)
    .filter((name) => name !== 'help');
}

describe('command registration', () => {
  it('every listed command runs when named first: its own help, exit 0', async () => {
    const help = await hyperion(['--help']);
    expect(help.code, help.stderr).toBe(0);
    const names = listedCommands(help.stdout);
    expect(names).toContain('queue');
    expect(names).toContain('doctor');
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      const run = await hyperion([name, '--help']);
      expect(run.code, `${name}: ${run.stderr}`).toBe(0);
      expect(run.stdout, name).toMatch(new RegExp(`^Usage: hyperion ${name} `));
    }
    // Two dozen processes, one after another: more than the default timeout on a loaded machine.
  }, 180_000);

  it('a subcommand, the help command and an unknown command behave as with every command built', async () => {
    const list = await hyperion(['queue', 'list', '--help']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^Usage: hyperion queue list \[options\]/);
    expect(list.stdout).toContain('--awaiting');
    const helpCommand = await hyperion(['help', 'queue']);
    expect(helpCommand.code, helpCommand.stderr).toBe(0);
    expect(helpCommand.stdout).toBe((await hyperion(['queue', '--help'])).stdout);
    const unknown = await hyperion(['queu', 'list']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error\[usage\]: .*unknown command 'queu'.*Did you mean queue\?/);
  });
});
