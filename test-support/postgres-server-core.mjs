// A real PostgreSQL server for tests and benchmarks, in plain Node (the benchmark script imports it
// without a build; the tests import it through postgres-server.ts, which adds the types).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres', 'createdb'];

/** The directory holding PostgreSQL's server binaries, or undefined when they are not installed. */
export function findPostgresBinaries() {
  const candidates = [];
  if (process.env.HYPERION_POSTGRES_BINDIR) candidates.push(process.env.HYPERION_POSTGRES_BINDIR);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((left, right) => Number(right) - Number(left));
    for (const version of versions) candidates.push(join(root, version, 'bin'));
  }
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // pg_config is not installed either; the candidates above are all there is.
  }
  return candidates.find((directory) =>
    SERVER_BINARIES.every((binary) => existsSync(join(directory, binary))),
  );
}

/** A free TCP port on 127.0.0.1 (free when asked; the server start retries if it is taken meanwhile). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The uid and gid of the `postgres` system user. */
function postgresUser() {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * Starts a PostgreSQL server in a new temporary directory: `initdb` (trust authentication, which
 * only loopback clients and the directory's own socket can reach), then `pg_ctl start -w` on a
 * free 127.0.0.1 port. As root, the server runs as the `postgres` system user (PostgreSQL refuses
 * to run as root). Stops on process exit if `stop()` was not called.
 */
export async function startPostgresServer(options = {}) {
  const binaries = findPostgresBinaries();
  if (binaries === undefined) {
    throw new Error(
      "PostgreSQL is not installed: no directory with initdb, pg_ctl, postgres and createdb under /usr/lib/postgresql/*/bin or `pg_config --bindir`; install Debian's `postgresql` package (apt-get install postgresql)",
    );
  }
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const directory = mkdtempSync(join(options.parent ?? tmpdir(), 'hyperion-postgres-'));
  const dataDirectory = join(directory, 'data');
  const logFile = join(directory, 'server.log');
  let owner;
  if (asRoot) {
    owner = postgresUser();
    chownSync(directory, owner.uid, owner.gid);
  }
  /** Runs a PostgreSQL binary, as the postgres user when we are root. */
  const command = (binary, args) =>
    asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(binaries, binary), ...args]]
      : [join(binaries, binary), args];
  const execute = async (binary, args) => {
    const [file, fileArgs] = command(binary, args);
    try {
      return await run(file, fileArgs, { encoding: 'utf8', timeout: 120_000 });
    } catch (error) {
      const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim();
      throw new Error(`${binary} failed: ${output || error.message}`, { cause: error });
    }
  };
  const executeSync = (binary, args) => {
    const [file, fileArgs] = command(binary, args);
    return spawnSync(file, fileArgs, { encoding: 'utf8', timeout: 60_000 });
  };

  let stopped = false;
  const removeDirectory = () => rmSync(directory, { recursive: true, force: true });
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    if (existsSync(join(dataDirectory, 'postmaster.pid'))) {
      executeSync('pg_ctl', ['stop', '-D', dataDirectory, '-m', 'immediate', '-w']);
    }
    removeDirectory();
  };
  process.once('exit', stopNow);

  try {
    await execute('initdb', [
      '-D',
      dataDirectory,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    let port;
    for (let attempt = 1; ; attempt += 1) {
      port = await freePort();
      const settings = [
        `-p ${port}`,
        `-k ${directory}`,
        "-c listen_addresses='127.0.0.1'",
        `-c max_connections=${options.maxConnections ?? 60}`,
        '-c shared_buffers=16MB',
        '-c dynamic_shared_memory_type=posix',
      ].join(' ');
      try {
        await execute('pg_ctl', [
          'start',
          '-w',
          '-t',
          '60',
          '-D',
          dataDirectory,
          '-l',
          logFile,
          '-o',
          settings,
        ]);
        break;
      } catch (error) {
        // Another process may have taken the port between the probe and the start.
        if (attempt >= 3) throw error;
      }
    }
    const host = '127.0.0.1';
    let databases = 0;
    const server = {
      host,
      port,
      user: 'postgres',
      directory,
      /** The URL of the server's `postgres` database. */
      url: `postgres://postgres@${host}:${port}/postgres`,
      /** Creates a new, empty database and returns its URL. */
      async createDatabase(prefix = 'hyperion_test') {
        databases += 1;
        const name = `${prefix}_${process.pid}_${databases}`;
        await execute('createdb', ['-h', host, '-p', String(port), '-U', 'postgres', name]);
        return `postgres://postgres@${host}:${port}/${name}`;
      },
      /** Stops the server (fast shutdown, immediate as a fallback) and deletes its directory. */
      async stop() {
        if (stopped) return;
        process.removeListener('exit', stopNow);
        try {
          await execute('pg_ctl', ['stop', '-D', dataDirectory, '-m', 'fast', '-w', '-t', '30']);
        } catch {
          executeSync('pg_ctl', ['stop', '-D', dataDirectory, '-m', 'immediate', '-w']);
        }
        stopped = true;
        removeDirectory();
      },
    };
    return server;
  } catch (error) {
    stopNow();
    process.removeListener('exit', stopNow);
    throw error;
  }
}
