import { HyperionError } from '@hyperion/schema';

/** Where a PostgreSQL store lives, as messages may show it (never with a password). */
export interface StoreEndpoint {
  /** The host name or address (`localhost` when the URL names none). */
  host: string;
  /** The TCP port (5432 when the URL names none). */
  port: number;
  /** The database name. */
  database: string;
  /** `postgres://user@host:port/database`: the URL without its password and parameters. */
  location: string;
  /** The URL's password, only to scrub it from messages; never shown. */
  secret: string | undefined;
}

/**
 * Reads a `postgres://` (or `postgresql://`) URL. A URL that is not one is `invalid_input`; the
 * message never repeats the URL, which may hold a password.
 */
export function parseStoreUrl(url: string): StoreEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new HyperionError(
      'invalid_input',
      'the PostgreSQL store URL is not a URL: expected postgres://user@host:port/database',
      { cause: error, details: { field: 'store.url' } },
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new HyperionError(
      'invalid_input',
      `the PostgreSQL store URL must start with postgres:// or postgresql:// (it starts with ${JSON.stringify(parsed.protocol)})`,
      { details: { field: 'store.url' } },
    );
  }
  const host = parsed.hostname === '' ? 'localhost' : parsed.hostname;
  const port = parsed.port === '' ? 5432 : Number(parsed.port);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const user = parsed.username === '' ? '' : `${parsed.username}@`;
  const password =
    parsed.password !== '' ? decodeURIComponent(parsed.password) : parsed.searchParams.get('password');
  return {
    host,
    port,
    database,
    location: `postgres://${user}${parsed.host === '' ? host : parsed.host}/${parsed.pathname.replace(/^\//, '')}`,
    secret: password === null || password === '' ? undefined : password,
  };
}

/** `text` with every occurrence of the endpoint's password replaced. */
export function withoutSecret(text: string, endpoint: StoreEndpoint): string {
  return endpoint.secret === undefined ? text : text.split(endpoint.secret).join('***');
}
