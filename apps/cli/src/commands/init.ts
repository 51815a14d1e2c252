import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { GitRepository } from '@hyperion/git';
import { HyperionError, printable, type HyperionConfigInput } from '@hyperion/schema';
import { parseBranchName, parseCheckOption, parseWorkerCount, type CheckOption } from '../option-parsers.js';
import type { CommandOutput } from '../output.js';
import type { StoreAction } from '../store-initialization.js';

interface InitOptions {
  repo?: string;
  targetBranch?: string;
  workers?: number;
  check?: CheckOption[];
  force?: boolean;
  newStore?: boolean;
  json?: boolean;
}

/** Throws `branch_not_found` (exit 4) unless `branch` exists, before init writes anything. */
async function requireTargetBranch(repository: GitRepository, branch: string): Promise<void> {
  try {
    await repository.requireBranch(branch);
  } catch (error) {
    if (!HyperionError.isInstance(error) || error.code !== 'branch_not_found') throw error;
    throw new HyperionError(
      'branch_not_found',
      `${error.message}: create it first, or pass --target-branch <an existing branch>; nothing was written`,
      { cause: error, details: error.details },
    );
  }
}

function storeSentence(action: StoreAction, location: string, keptAside: string | undefined): string {
  if (action === 'kept') return `store ${location} kept as it is`;
  if (action === 'created') return `created the store ${location}`;
  if (keptAside === undefined) return `created a new, empty store ${location}`;
  return `created a new, empty store ${location}; the old file is kept as ${keptAside}`;
}

/**
 * `hyperion init`: creates `.hyperion/` with a default config, its JSON Schema, git excludes and
 * the store. It is the only command that creates a store, and it never replaces a valid one:
 * when an initialized repository's store is missing, empty or unusable it refuses unless
 * `--new-store` says to start an empty queue on purpose (the old file is kept aside).
 */
export function registerInit(program: Command, output: CommandOutput): void {
  program
    .command('init')
    .description(
      'create .hyperion/ (config pointing at its JSON Schema, store, git excludes); on PostgreSQL (HYPERION_DATABASE_URL or store.url) it creates the tables in that existing database',
    )
    .option('--repo <dir>', 'repository directory', '.')
    .option('--target-branch <branch>', 'branch to land on; it must exist (default: main)', parseBranchName)
    .option('--workers <count>', 'concurrent workers, 1 to 32 (default: 3)', parseWorkerCount)
    .option('--check <name=command...>', 'a check every change must pass (repeatable)', parseCheckOption)
    .option('--force', 'overwrite an existing config (the store is kept)')
    .option(
      '--new-store',
      'start an empty queue on purpose when the store is missing, empty or unusable (the old file is kept aside)',
    )
    .option('--json', 'print JSON')
    .action(async (options: InitOptions) => {
      // Git, the workspace and the store are loaded when init runs, never at start.
      const [
        { GitRepository },
        { hyperionPaths, initializeWorkspace },
        { createStore, inspectStore },
        { selectStore },
      ] = await Promise.all([
        import('@hyperion/git'),
        import('@hyperion/queue/workspace'),
        import('../store-initialization.js'),
        import('../store-selection.js'),
      ]);
      const repository = await GitRepository.open(resolve(options.repo ?? '.'));
      const paths = hyperionPaths(repository.root);
      const config: HyperionConfigInput = {};
      if (options.targetBranch !== undefined) config.target_branch = options.targetBranch;
      if (options.workers !== undefined) config.workers = options.workers;
      if (options.check !== undefined) config.checks = options.check;
      const configExists = existsSync(paths.configFile);
      // Everything that can refuse is checked before anything is written.
      if (!configExists || options.force === true) {
        await requireTargetBranch(repository, options.targetBranch ?? 'main');
      }
      // A config init is about to write names no store URL; an existing one it keeps may.
      const selection = selectStore(paths, !configExists || options.force === true ? {} : undefined);
      const plan = await inspectStore(paths, selection, {
        initialized: configExists,
        newStore: options.newStore === true,
      });
      const created = initializeWorkspace(paths, repository.gitDirectory, { config, force: options.force });
      const keptAside = await createStore(plan);
      if (options.json === true) {
        output.json({
          created,
          config_file: paths.configFile,
          directory: paths.directory,
          store: {
            kind: selection.kind,
            file: selection.kind === 'sqlite' ? selection.file : null,
            location: selection.location,
            action: plan.action,
            kept_aside: keptAside ?? null,
          },
        });
        return;
      }
      output.line(
        created
          ? `Initialized ${printable(paths.directory)} (config: ${printable(paths.configFile)})`
          : `${printable(paths.configFile)} already exists; left it as it is (use --force to overwrite)`,
      );
      output.line(storeSentence(plan.action, printable(selection.location), keptAside));
    });
}
