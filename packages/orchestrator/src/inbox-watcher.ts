import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, rename, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from '@hyperion/git';

/** What happened to one request file of the inbox. */
export interface InboxResult {
  /** The file's name. */
  name: string;
  /** `processed`: ingested; `failed`: refused, with the error beside it. */
  outcome: 'processed' | 'failed';
  /** Where the file is now. */
  path: string;
  /** What `ingest` returned (processed files). */
  value?: unknown;
  /** The error's one line (failed files); the full text is in `<name>.error.txt`. */
  error?: string;
}

/** Options of {@link InboxWatcher}. */
export interface InboxWatcherOptions {
  /** The watched directory; `processing/`, `processed/` and `failed/` are made inside it. */
  directory: string;
  /** Ingests one request file; a thrown error moves the file to `failed/`. */
  ingest: (file: string, text: string) => Promise<unknown>;
  /** Called after each file is moved. */
  onResult?: (result: InboxResult) => void;
  /** Which file names are requests (default: `*.json`). */
  pattern?: RegExp;
  /** How long a file's size and mtime must stay unchanged before it is read (default 50 ms). */
  settleMs?: number;
  /** A full rescan this often, in case a notification was lost (default 2 s). */
  rescanMs?: number;
  /** Describes an error for `<name>.error.txt` (default: its message, plus its JSON when it has one). */
  describeError?: (error: unknown) => string;
}

const SUBDIRECTORIES = ['processing', 'processed', 'failed'] as const;

/** A watcher's own claim directory under `processing/`: `<pid>.<random>`. */
const CLAIM_DIRECTORY = /^(\d+)\.[0-9a-f]+$/;

function defaultDescribe(error: unknown): string {
  if (error instanceof Error) {
    const json = (error as { toJSON?: () => unknown }).toJSON?.();
    return json === undefined
      ? `${error.message}\n`
      : `${error.message}\n\n${JSON.stringify(json, null, 2)}\n`;
  }
  return `${String(error)}\n`;
}

async function freeName(directory: string, name: string): Promise<string> {
  for (let suffix = 0; ; suffix += 1) {
    const candidate = suffix === 0 ? name : `${name}.${suffix}`;
    try {
      await stat(join(directory, candidate));
    } catch {
      return join(directory, candidate);
    }
  }
}

/**
 * Watches an inbox directory of request files with `node:fs` `watch` (inotify on Linux). A
 * notification is only a hint: every one triggers a full, serialized scan of the directory, so
 * coalesced or lost notifications, many files at once and files present before the watcher
 * started are all handled. Each file is claimed by an atomic rename into the watcher's own
 * directory under `processing/` (`<pid>.<random>`; a file only one claimant can move), ingested
 * once, then renamed into `processed/` or `failed/` (with `<name>.error.txt` beside it). At start,
 * files a crashed watcher left in `processing/` (its directory's process is gone, or loose files)
 * go back to the inbox; the claims of watchers still running are left alone. `ingest` must treat a
 * request it already stored as done.
 */
export class InboxWatcher {
  private readonly options: Required<Omit<InboxWatcherOptions, 'onResult'>> &
    Pick<InboxWatcherOptions, 'onResult'>;
  /** This watcher's claim directory: `processing/<pid>.<random>`. */
  private readonly claims: string;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<InboxResult[]> | undefined;
  private rescanRequested = false;
  private closed = false;

  constructor(options: InboxWatcherOptions) {
    this.options = {
      pattern: /\.json$/i,
      settleMs: 50,
      rescanMs: 2_000,
      describeError: defaultDescribe,
      ...options,
    };
    this.claims = join(
      this.options.directory,
      'processing',
      `${process.pid}.${randomBytes(4).toString('hex')}`,
    );
  }

  /** Creates the directories, recovers files a crash left in `processing/`, and starts watching. */
  async start(): Promise<void> {
    await this.prepare();
    this.watcher = watch(this.options.directory, () => this.requestScan());
    this.watcher.on('error', () => this.requestScan());
    this.timer = setInterval(() => this.requestScan(), this.options.rescanMs);
    this.requestScan();
  }

  /** Processes every request file now in the inbox (and any that arrive while it runs). */
  async processPending(): Promise<InboxResult[]> {
    await this.prepare();
    const results: InboxResult[] = [];
    do {
      this.rescanRequested = false;
      results.push(...(await this.scanSerialized()));
    } while (this.rescanRequested && !this.closed);
    return results;
  }

  /** Stops watching; resolves once the scan in progress (if any) has finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.scanning?.catch(() => undefined);
    await rmdir(this.claims).catch(() => undefined);
  }

  /** Resolves when no scan runs and none is pending (for tests and `--once`). */
  async idle(): Promise<void> {
    while (this.scanning !== undefined || this.rescanRequested) {
      await (this.scanning ?? sleep(10)).catch(() => undefined);
    }
  }

  private preparing: Promise<void> | undefined;

  private prepare(): Promise<void> {
    this.preparing ??= (async () => {
      for (const name of SUBDIRECTORIES) await mkdir(join(this.options.directory, name), { recursive: true });
      await this.recoverCrashedClaims();
      await mkdir(this.claims, { recursive: true });
    })();
    return this.preparing;
  }

  /**
   * Puts back into the inbox the files of claims no running watcher holds: loose files in
   * `processing/` (a crash, or an older version) and the directories of processes that are gone.
   */
  private async recoverCrashedClaims(): Promise<void> {
    const processing = join(this.options.directory, 'processing');
    for (const entry of await readdir(processing, { withFileTypes: true })) {
      const path = join(processing, entry.name);
      if (!entry.isDirectory()) {
        await rename(path, await freeName(this.options.directory, entry.name));
        continue;
      }
      const owner = CLAIM_DIRECTORY.exec(entry.name)?.[1];
      if (owner === undefined || isProcessAlive(Number(owner))) continue;
      for (const name of await readdir(path)) {
        await rename(join(path, name), await freeName(this.options.directory, name)).catch(() => undefined);
      }
      await rmdir(path).catch(() => undefined);
    }
  }

  private requestScan(): void {
    if (this.closed) return;
    this.rescanRequested = true;
    if (this.scanning !== undefined) return;
    void this.processPending().catch(() => undefined);
  }

  private async scanSerialized(): Promise<InboxResult[]> {
    while (this.scanning !== undefined) await this.scanning.catch(() => undefined);
    this.scanning = this.scan();
    try {
      return await this.scanning;
    } finally {
      this.scanning = undefined;
    }
  }

  private async candidates(): Promise<string[]> {
    const entries = await readdir(this.options.directory, { withFileTypes: true });
    return entries
      .filter(
        (entry) => entry.isFile() && !entry.name.startsWith('.') && this.options.pattern.test(entry.name),
      )
      .map((entry) => entry.name)
      .sort();
  }

  private async scan(): Promise<InboxResult[]> {
    const results: InboxResult[] = [];
    const names = await this.candidates();
    if (names.length === 0) return results;
    const before = await Promise.all(names.map((name) => this.signature(name)));
    await sleep(this.options.settleMs);
    for (const [index, name] of names.entries()) {
      if (this.closed) break;
      if ((await this.signature(name)) !== before[index]) {
        this.rescanRequested = true;
        continue;
      }
      const result = await this.processFile(name);
      if (result !== undefined) {
        results.push(result);
        this.options.onResult?.(result);
      }
    }
    return results;
  }

  private async signature(name: string): Promise<string | undefined> {
    try {
      const info = await stat(join(this.options.directory, name));
      return `${info.size}:${info.mtimeMs}`;
    } catch {
      return undefined;
    }
  }

  private async processFile(name: string): Promise<InboxResult | undefined> {
    const directory = this.options.directory;
    const claimed = join(this.claims, name);
    try {
      await rename(join(directory, name), claimed);
    } catch {
      return undefined;
    }
    let outcome: Omit<InboxResult, 'path'>;
    let description = '';
    try {
      const text = await readFile(claimed, 'utf8');
      outcome = { name, outcome: 'processed', value: await this.options.ingest(claimed, text) };
    } catch (error) {
      description = this.options.describeError(error);
      outcome = { name, outcome: 'failed', error: description.split('\n')[0] ?? description };
    }
    const destination = await freeName(join(directory, outcome.outcome), name);
    if (outcome.outcome === 'failed') await writeFile(`${destination}.error.txt`, description);
    await rename(claimed, destination);
    return { ...outcome, path: destination };
  }
}

/** Processes the request files now in `options.directory` once, without watching. */
export async function processInboxOnce(options: InboxWatcherOptions): Promise<InboxResult[]> {
  return new InboxWatcher(options).processPending();
}
