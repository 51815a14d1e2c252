// Opens the PostgreSQL store in a child process of the conformance suite (the built package).
import { PostgresStore } from '@hyperion/store-postgres';

/** Opens the store at `url` with the real clock. */
export function openStore(url) {
  return PostgresStore.open(url);
}
