import { resolve } from 'node:path';
import type { Command } from 'commander';
import { GitRepository } from '@hyperion/git';
import { hyperionPaths, initializeWorkspace } from '@hyperion/queue';
import { HyperionError, printable, type HyperionConfigInput } from '@hyperion/schema';
import type { CommandOutput } from '../output.js';

interface InitOptions {
  repo?: string;
  targetBranch?: string;
  workers?: string;
  check?: string[];
  force?: boolean;
  json?: boolean;
}

function parseCheck(text: string): { name: string; command: string } {
  const separator = text.indexOf('=');
  if (separator <= 0) {
    throw new HyperionError(
      'invalid_input',
      `--check '${text}': expected NAME=COMMAND, for example test='npm test'`,
    );
  }
  return { name: text.slice(0, separator), command: text.slice(separator + 1) };
}

/** `hyperion init`: creates `.hyperion/` with a default config, its JSON Schema and git excludes. */
export function registerInit(program: Command, output: CommandOutput): void {
  program
    .command('init')
    .description('create .hyperion/ (config pointing at its JSON Schema, store, git excludes)')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--target-branch <branch>', 'branch to land on (default: main)')
    .option('--workers <count>', 'concurrent workers (default: 3)')
    .option('--check <name=command...>', 'a check every change must pass (repeatable)')
    .option('--force', 'overwrite an existing config')
    .option('--json', 'print JSON')
    .action(async (options: InitOptions) => {
      const repository = await GitRepository.open(resolve(options.repo ?? '.'));
      const paths = hyperionPaths(repository.root);
      const config: HyperionConfigInput = {};
      if (options.targetBranch !== undefined) config.target_branch = options.targetBranch;
      if (options.workers !== undefined) config.workers = Number(options.workers);
      if (options.check !== undefined) config.checks = options.check.map(parseCheck);
      const created = initializeWorkspace(paths, repository.gitDirectory, { config, force: options.force });
      if (options.json === true) {
        output.json({ created, config_file: paths.configFile, directory: paths.directory });
        return;
      }
      output.line(
        created
          ? `Initialized ${printable(paths.directory)} (config: ${printable(paths.configFile)})`
          : `${printable(paths.configFile)} already exists; left it as it is (use --force to overwrite)`,
      );
    });
}
