import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { HyperionError, printable, printableJson } from '@hyperion/schema';
import { hyperionPaths } from '@hyperion/queue';
import { compareWithLive, exportEventLog, importEventLog, type HyperionStore } from '@hyperion/store';
import { openExistingStore } from '../store-access.js';
import { jsonText, type CommandOutput } from '../output.js';
import { createEventLogRedactor } from '../redact-output.js';

interface LogOptions {
  repo?: string;
  out?: string;
  into?: string;
  json?: boolean;
}

/** The store of the repository at `--repo`; the log commands need no git and no config. */
function openStore(repo: string | undefined): HyperionStore {
  return openExistingStore(hyperionPaths(resolve(repo ?? '.')));
}

function withStore<T>(repo: string | undefined, work: (store: HyperionStore) => T): T {
  const store = openStore(repo);
  try {
    return work(store);
  } finally {
    store.close();
  }
}

/** `hyperion log export|verify|import`: ship the event log, and rebuild the queue from it. */
export function registerLog(program: Command, output: CommandOutput): void {
  const log = program.command('log').description('export, verify and import the queue event log');
  log
    .command('export')
    .description('write the queue (submissions and every event) as JSON lines, secrets redacted')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--out <file>', 'write to a file instead of standard output')
    .action((options: LogOptions) => {
      withStore(options.repo, (store) => {
        // Events stored before redaction existed (or by a process with other secrets) are redacted here.
        const redactEventLogLine = createEventLogRedactor();
        if (options.out === undefined) {
          exportEventLog(store, {
            write: (text: string) => process.stdout.write(printableJson(redactEventLogLine(text))),
          });
          return;
        }
        const lines: string[] = [];
        const counts = exportEventLog(store, {
          write: (text: string) => lines.push(redactEventLogLine(text)),
        });
        writeFileSync(options.out, lines.join(''));
        output.error(
          `exported ${counts.entries} entries and ${counts.events} events to ${printable(options.out)}`,
        );
      });
    });
  log
    .command('verify')
    .description('rebuild the queue state from the event log alone and compare it with the live state')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--json', 'print the differences as JSON')
    .action((options: LogOptions) => {
      const differences = withStore(options.repo, (store) => compareWithLive(store));
      if (options.json === true) output.json({ differences });
      else {
        for (const difference of differences) {
          output.line(
            `${printable(difference.entry_id)} ${printable(difference.field)}: live ${jsonText(difference.live)}, replayed ${jsonText(difference.replayed)}`,
          );
        }
      }
      if (differences.length > 0) {
        throw new HyperionError(
          'invalid_state',
          `the live queue differs from its event log in ${differences.length} field(s)`,
          { details: { differences } },
        );
      }
      if (options.json !== true) output.line('the live queue matches its event log');
    });
  log
    .command('import')
    .description('restore an exported log into the (empty) store of another directory')
    .argument('<file>', 'a file written by `hyperion log export`')
    .requiredOption('--into <dir>', 'directory whose .hyperion/hyperion.db receives the log')
    .option('--json', 'print counts as JSON')
    .action((file: string, options: LogOptions) => {
      const targetPaths = hyperionPaths(resolve(options.into ?? '.'));
      const target = targetPaths.databaseFile;
      let counts: ReturnType<typeof importEventLog>;
      try {
        counts = importEventLog(file, target);
      } catch (error) {
        if (HyperionError.isInstance(error) && error.code === 'store_corrupt') {
          throw new HyperionError(
            error.code,
            `${error.message}: move it aside, then import into ${targetPaths.root} again`,
            { cause: error, details: error.details },
          );
        }
        throw error;
      }
      if (options.json === true) output.json({ ...counts, store: target });
      else
        output.line(
          `imported ${counts.entries} entries and ${counts.events} events into ${printable(target)}`,
        );
    });
}
