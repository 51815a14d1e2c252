/** A running PostgreSQL server started by {@link startPostgresServer}. */
export interface PostgresTestServer {
  /** Always 127.0.0.1. */
  readonly host: string;
  /** The TCP port it listens on. */
  readonly port: number;
  /** The superuser, `postgres` (trust authentication on loopback). */
  readonly user: string;
  /** The temporary directory holding the data directory, the socket and the server log. */
  readonly directory: string;
  /** The URL of the server's `postgres` database. */
  readonly url: string;
  /** Creates a new, empty database and returns its URL (`postgres://postgres@127.0.0.1:PORT/NAME`). */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server (fast shutdown, immediate as a fallback) and deletes its directory. */
  stop(): Promise<void>;
}

/** Options of {@link startPostgresServer}. */
export interface PostgresTestServerOptions {
  /** Where the temporary directory is made (default: the system's temporary directory). */
  parent?: string;
  /** `max_connections` (default 60). */
  maxConnections?: number;
}

/** The directory holding PostgreSQL's server binaries, or undefined when they are not installed. */
export function findPostgresBinaries(): string | undefined;

/**
 * Starts a PostgreSQL server in a new temporary directory (`initdb` with trust authentication,
 * `pg_ctl start -w` on a free 127.0.0.1 port; as the `postgres` user when run as root). Throws one
 * clear error when PostgreSQL is not installed. Stops on process exit if `stop()` was not called.
 */
export function startPostgresServer(options?: PostgresTestServerOptions): Promise<PostgresTestServer>;
