import { existsSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { HyperionError, printable } from '@hyperion/schema';
import { hyperionPaths } from '@hyperion/queue/workspace';
import {
  followLog,
  queueStateChecksum,
  readSegmentDirectory,
  restoreShippedLog,
  shipLog,
  SqliteStore,
  type HyperionStore,
} from '@hyperion/store';
import { openExistingStore } from '../store-access.js';
import type { CommandOutput } from '../output.js';
import { stopOnSignals } from '../worker-loop.js';
import { createEventLogRedactor } from '../redact-output.js';

/** Options of `hyperion log ship`. */
export interface ShipOptions {
  repo?: string;
  to: string;
  follow?: boolean;
  json?: boolean;
}

/** Options of `hyperion log restore`. */
export interface RestoreOptions {
  from: string;
  db: string;
  json?: boolean;
}

/** `hyperion log ship`: ships once, or follows until SIGINT/SIGTERM. */
export async function ship(options: ShipOptions, output: CommandOutput): Promise<void> {
  const directory = resolve(options.to);
  if (existsSync(directory) && !statSync(directory).isDirectory()) {
    throw new HyperionError('invalid_input', `--to: ${directory} is not a directory`, {
      details: { field: '--to' },
    });
  }
  const store: HyperionStore = await openExistingStore(hyperionPaths(resolve(options.repo ?? '.')));
  // Events stored before redaction existed (or by a process with other secrets) are redacted here.
  const redactLine = createEventLogRedactor();
  const onSegment = (file: string, counts: { entries: number; events: number; lastEventId: number }) => {
    if (options.json === true) output.json({ segment: file, ...counts });
    else
      output.line(
        `shipped ${counts.events} events and ${counts.entries} submissions to ${printable(file)} (up to event ${counts.lastEventId})`,
      );
  };
  try {
    if (options.follow === true) {
      const stop = stopOnSignals();
      try {
        await followLog(store, directory, { signal: stop.signal, redactLine, onSegment });
      } finally {
        stop.dispose();
      }
      return;
    }
    const result = await shipLog(store, directory, { redactLine, onSegment });
    if (result.events === 0 && options.json !== true) {
      output.line(
        `nothing new to ship: ${printable(directory)} holds every event up to ${result.lastEventId}`,
      );
    }
  } finally {
    await store.close();
  }
}

/** `hyperion log restore`: verifies every segment, then builds a new SQLite store from them. */
export async function restore(options: RestoreOptions, output: CommandOutput): Promise<void> {
  const from = resolve(options.from);
  const file = resolve(options.db);
  // Every segment is read and verified before any store file is created.
  readSegmentDirectory(from);
  if (existsSync(file)) {
    throw new HyperionError(
      'invalid_state',
      `--db: ${file} exists; a restore writes a new store file, it never overwrites one (move it aside)`,
      { details: { field: '--db', file } },
    );
  }
  const store = SqliteStore.open(file, { create: true });
  let counts: Awaited<ReturnType<typeof restoreShippedLog>>;
  let checksum: string;
  try {
    counts = await restoreShippedLog(from, store);
    checksum = queueStateChecksum(await store.listEntries());
  } catch (error) {
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    throw error;
  }
  await store.close();
  if (options.json === true) output.json({ ...counts, store: file, state_checksum: checksum });
  else
    output.line(
      `restored ${counts.entries} entries and ${counts.events} events from ${counts.segments} segments into ${printable(file)} (state ${checksum})`,
    );
}
