import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { HyperionError, printable, printableJson } from '@hyperion/schema';
import type { HyperionStore } from '@hyperion/store';
import { registerLogShipping } from './log-shipping.js';
import { registerLogTrail } from './log-trail.js';
import { jsonText, type CommandOutput } from '../output.js';
import { createEventLogRedactor } from '../redact-output.js';

interface LogOptions {
  repo?: string;
  out?: string;
  into?: string;
  json?: boolean;
}

/** The store of the repository at `--repo`; the log commands need no git and no config. */
async function withStore<T>(
  repo: string | undefined,
  work: (store: HyperionStore) => Promise<T>,
): Promise<T> {
  const [{ hyperionPaths }, { openExistingStore }] = await Promise.all([
    import('@hyperion/queue/workspace'),
    import('../store-access.js'),
  ]);
  const store = await openExistingStore(hyperionPaths(resolve(repo ?? '.')));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** `hyperion log export|verify|import|ship|restore`: ship the event log, and rebuild the queue from it. */
export function registerLog(program: Command, output: CommandOutput): void {
  const log = program
    .command('log')
    .description(
      'the audit trail (with no subcommand: print it, --follow for new events); export, verify, import, ship and restore it',
    );
  registerLogTrail(log, output);
  registerLogShipping(log, output);
  log
    .command('export')
    .description('write the queue (submissions and every event) as JSON lines, secrets redacted')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (options: LogOptions) => {
      const { exportEventLog } = await import('@hyperion/store');
      await withStore(options.repo, async (store) => {
        // Events stored before redaction existed (or by a process with other secrets) are redacted here.
        const redactEventLogLine = createEventLogRedactor();
        if (options.out === undefined) {
          await exportEventLog(store, {
            write: (text: string) => process.stdout.write(printableJson(redactEventLogLine(text))),
          });
          return;
        }
        const lines: string[] = [];
        const counts = await exportEventLog(store, {
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
    .action(async (options: LogOptions) => {
      const { compareWithLive, queueStateChecksum } = await import('@hyperion/store');
      const { differences, checksum } = await withStore(options.repo, async (store) => ({
        differences: await compareWithLive(store),
        checksum: queueStateChecksum(await store.listEntries()),
      }));
      if (options.json === true) output.json({ differences, state_checksum: checksum });
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
      if (options.json !== true) output.line(`the live queue matches its event log (state ${checksum})`);
    });
  log
    .command('import')
    .description('restore an exported log into the (empty) store of another directory')
    .argument('<file>', 'a file written by `hyperion log export`')
    .requiredOption(
      '--into <dir>',
      'directory whose store receives the log (.hyperion/hyperion.db, or the PostgreSQL database HYPERION_DATABASE_URL or its store.url names)',
    )
    .option('--json', 'print counts as JSON')
    .action(async (file: string, options: LogOptions) => {
      const [{ hyperionPaths }, { importEventLog, parseEventLog }, { openSelectedStore }, { selectStore }] =
        await Promise.all([
          import('@hyperion/queue/workspace'),
          import('@hyperion/store'),
          import('../store-access.js'),
          import('../store-selection.js'),
        ]);
      const targetPaths = hyperionPaths(resolve(options.into ?? '.'));
      const selection = selectStore(targetPaths);
      const target = selection.location;
      // A log that does not parse is refused before any store is created.
      parseEventLog(readFileSync(file, 'utf8'), file);
      let counts: Awaited<ReturnType<typeof importEventLog>>;
      try {
        const store = await openSelectedStore(selection, { create: true });
        try {
          counts = await importEventLog(file, store);
        } finally {
          await store.close();
        }
      } catch (error) {
        if (HyperionError.isInstance(error) && error.code === 'store_corrupt') {
          throw new HyperionError(
            error.code,
            selection.kind === 'sqlite'
              ? `${error.message}: move it aside, then import into ${targetPaths.root} again`
              : `${error.message}: import into an empty database (point ${selection.source} at one)`,
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
