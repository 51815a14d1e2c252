/**
 * Why `url` cannot name Hyperion's PostgreSQL store, or `undefined` when it can: it must be a
 * `postgres://` or `postgresql://` URL with a host and a database. The reason never repeats the
 * URL, which may hold a password.
 */
export function storeUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be a postgres:// or postgresql:// URL (postgres://user@host:port/database); it is not a URL';
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    return `must be a postgres:// or postgresql:// URL (it starts with ${JSON.stringify(parsed.protocol)})`;
  }
  if (parsed.hostname === '') return 'must name a host (postgres://user@host:port/database)';
  for (const part of [parsed.username, parsed.password, parsed.pathname]) {
    try {
      decodeURIComponent(part);
    } catch {
      return 'has a malformed %-escape in its user, password or database name (write % as %25)';
    }
  }
  if (parsed.pathname.replace(/^\//, '') === '') {
    return 'must name a database (postgres://user@host:port/database)';
  }
  return undefined;
}

/**
 * `url` as messages may show it: `postgres://user@host:port/database`, without its password and
 * parameters. `url` must be valid ({@link storeUrlProblem}).
 */
export function storeUrlLocation(url: string): string {
  const parsed = new URL(url);
  const user = parsed.username === '' ? '' : `${parsed.username}@`;
  return `postgres://${user}${parsed.host}/${parsed.pathname.replace(/^\//, '')}`;
}
