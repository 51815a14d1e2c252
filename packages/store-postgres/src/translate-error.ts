import { HyperionError } from '@hyperion/schema';
import { withoutSecret, type StoreEndpoint } from './store-url.js';

/** Node's codes for a server that cannot be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** True when `error` says the server could not be reached or the connection was lost. */
function isUnreachable(error: Error, code: string | undefined): boolean {
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  // SQLSTATE class 08 (connection exception) and 57P01-57P03 (shut down, cannot connect now).
  if (code !== undefined && (code.startsWith('08') || /^57P0[123]$/.test(code))) return true;
  // "timeout expired": a client's own connect timeout. (pg-pool's "timeout exceeded when trying
  // to connect" is a wait for a busy pool, not unreachability; the store never sets it.)
  // "Query read timeout": no answer within the store's query timeout (a half-open connection).
  return /timeout expired|Connection terminated|connection timeout|Query read timeout/i.test(error.message);
}

/**
 * Turns what node-postgres threw into a HyperionError naming the server (host and port, never the
 * password): unreachable or connection lost (`store_unreachable`), authentication refused
 * (`permission_denied`), no such database (`store_missing`). Anything else is returned as it was.
 */
export function translatePostgresError(error: unknown, endpoint: StoreEndpoint): unknown {
  if (HyperionError.isInstance(error) || !(error instanceof Error)) return error;
  const raw = (error as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : undefined;
  const reason = withoutSecret(error.message, endpoint);
  const where = `${endpoint.host}:${endpoint.port}`;
  const details = {
    host: endpoint.host,
    port: endpoint.port,
    database: endpoint.database,
    ...(code === undefined ? {} : { code }),
  };
  if (isUnreachable(error, code)) {
    return new HyperionError(
      'store_unreachable',
      `cannot reach the PostgreSQL store at ${where}: ${reason}`,
      {
        cause: error,
        details,
      },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new HyperionError(
      'permission_denied',
      `the PostgreSQL server at ${where} refused the login to database ${endpoint.database}: ${reason}`,
      { cause: error, details },
    );
  }
  if (code === '3D000') {
    return new HyperionError(
      'store_missing',
      `store ${endpoint.location} does not exist: the PostgreSQL server at ${where} has no database ${endpoint.database} (create it with createdb)`,
      { cause: error, details: { ...details, path: endpoint.location, problem: 'missing' } },
    );
  }
  return error;
}
