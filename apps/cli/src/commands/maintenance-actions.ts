import { resolve } from 'node:path';
import { GitRepository } from '@hyperion/git';
import { hyperionPaths, loadConfig } from '@hyperion/queue/workspace';
import { HyperionError, printable } from '@hyperion/schema';
import { backupSqliteStore, type HyperionStore } from '@hyperion/store';
import {
  checkIntegrity,
  checkLeases,
  checkLocks,
  checkWal,
  checkWorktrees,
  storeFinding,
  type DoctorFinding,
} from '../doctor/doctor-checks.js';
import { openExistingStore } from '../store-access.js';
import { selectStore } from '../store-selection.js';
import type { CommandOutput } from '../output.js';

/** Options of the command. */
export interface DoctorOptions {
  repo?: string;
  fix?: boolean;
  json?: boolean;
}

/** Options of the command. */
export interface BackupOptions {
  repo?: string;
  json?: boolean;
}

/** `hyperion backup <file>`. */
export async function backup(file: string, options: BackupOptions, output: CommandOutput): Promise<void> {
  const paths = hyperionPaths(resolve(options.repo ?? '.'));
  const selection = selectStore(paths, loadConfig(paths));
  if (selection.kind === 'postgres') {
    throw new HyperionError(
      'invalid_input',
      `backup: the store is the PostgreSQL database ${selection.location} (${selection.source}); back it up with pg_dump (and pg_restore), or keep 'hyperion log ship --follow' running and restore with 'hyperion log restore'`,
      { details: { field: 'store' } },
    );
  }
  // Opening it first gives a missing or corrupt store its usual error and way out.
  const store = await openExistingStore(paths);
  await store.close();
  const result = await backupSqliteStore(selection.file, resolve(file));
  if (options.json === true) output.json({ backup: result.file, bytes: result.bytes, store: selection.file });
  else
    output.line(
      `backed up ${printable(selection.file)} to ${printable(result.file)} (${result.bytes} bytes, integrity checked)`,
    );
}

/** Options of the command. */
export interface CleanupOptions {
  repo?: string;
  olderThan: number;
  withEvents?: boolean;
  json?: boolean;
}

/** `hyperion cleanup --older-than <duration>`. */
export async function cleanup(options: CleanupOptions, output: CommandOutput): Promise<void> {
  const store = await openExistingStore(hyperionPaths(resolve(options.repo ?? '.')));
  try {
    const result = await store.pruneFinished({
      finishedBefore: store.now() - options.olderThan,
      deleteEntries: options.withEvents === true,
    });
    if (options.json === true) output.json({ pruned: result.entries, events_deleted: result.events });
    else if (options.withEvents === true)
      output.line(`deleted ${result.entries.length} finished entries and their ${result.events} events`);
    else
      output.line(
        `emptied the patches and change requests of ${result.entries.length} finished entries; their events are kept`,
      );
  } finally {
    await store.close();
  }
}

async function storeChecks(
  store: HyperionStore,
  file: string | undefined,
  fix: boolean,
): Promise<DoctorFinding[]> {
  const findings: DoctorFinding[] = [];
  if (file !== undefined) findings.push(checkIntegrity(file), checkWal(file, fix));
  findings.push(await checkLeases(store, fix));
  return findings;
}

/** `hyperion doctor [--fix]`. */
export async function doctor(options: DoctorOptions, output: CommandOutput): Promise<void> {
  const repository = await GitRepository.open(resolve(options.repo ?? '.'));
  const paths = hyperionPaths(repository.root);
  const config = loadConfig(paths);
  const selection = selectStore(paths, config);
  const fix = options.fix === true;
  const findings: DoctorFinding[] = [];
  let store: HyperionStore | undefined;
  try {
    store = await openExistingStore(paths, config);
    findings.push(storeFinding(selection, undefined));
  } catch (error) {
    findings.push(storeFinding(selection, error));
  }
  if (store !== undefined) {
    try {
      findings.push(
        ...(await storeChecks(store, selection.kind === 'sqlite' ? selection.file : undefined, fix)),
      );
    } finally {
      await store.close();
    }
  }
  findings.push(await checkWorktrees(repository, paths, fix), ...(await checkLocks(repository, fix)));
  const problems = findings.filter((finding) => finding.status === 'problem');
  const warnings = findings.filter((finding) => finding.status === 'warning');
  if (options.json === true) output.json({ findings, problems: problems.length, warnings: warnings.length });
  else {
    for (const finding of findings)
      output.line(`${finding.status.padEnd(7)} ${finding.check}: ${printable(finding.message)}`);
  }
  if (problems.length > 0) {
    throw new HyperionError(
      problems.some((finding) => finding.check === 'integrity') ? 'store_corrupt' : 'store_missing',
      `doctor found ${problems.length} problem(s) it cannot fix: ${problems.map((finding) => finding.check).join(', ')}`,
      { details: { problems } },
    );
  }
}
