import type { Command } from 'commander';
import type { CommandOutput } from '../output.js';
import { parseDuration } from '../duration.js';
import type { BackupOptions, CleanupOptions, DoctorOptions } from './maintenance-actions.js';

/** Finished entries `cleanup` prunes (the store's PRUNABLE_STATES; named here so help loads no store). */
const PRUNED_STATES = 'landed, rolled_back, rejected, cancelled, dry-run-passed, dry-run-failed';

/** `hyperion backup <file>`, `hyperion cleanup --older-than <duration>` and `hyperion doctor [--fix]`. */
export function registerMaintenance(program: Command, output: CommandOutput): void {
  program
    .command('backup')
    .description('copy the SQLite store to a new file with SQLite online backup (workers may keep running)')
    .argument('<file>', 'the backup file to create (it must not exist)')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--json', 'print JSON')
    .action(async (file: string, options: BackupOptions) =>
      (await import('./maintenance-actions.js')).backup(file, options, output),
    );
  program
    .command('cleanup')
    .description(
      `free the space of finished entries (${PRUNED_STATES}): empty their patches and change requests, keeping their audit events`,
    )
    .requiredOption(
      '--older-than <duration>',
      'only entries finished longer ago than this: 90m, 12h, 30d, 2w',
      parseDuration,
    )
    .option(
      '--with-events',
      'delete those entries and their events too (keep shipped log segments as the archive)',
    )
    .option('--repo <dir>', 'repository directory', '.')
    .option('--json', 'print JSON')
    .action(async (options: CleanupOptions) =>
      (await import('./maintenance-actions.js')).cleanup(options, output),
    );
  program
    .command('doctor')
    .description(
      'check the store (integrity, write-ahead log, stale leases), orphaned worktrees and left-behind locks',
    )
    .option('--repo <dir>', 'repository directory', '.')
    .option(
      '--fix',
      'repair what can be repaired: checkpoint the log, return stale leases, remove orphans and dead locks',
    )
    .option('--json', 'print the findings as JSON')
    .action(async (options: DoctorOptions) =>
      (await import('./maintenance-actions.js')).doctor(options, output),
    );
}
