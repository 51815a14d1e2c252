/**
 * Hyperion's store on PostgreSQL: the same store interface as the SQLite store, with FOR UPDATE
 * SKIP LOCKED leases and LISTEN/NOTIFY wake-ups.
 *
 * @packageDocumentation
 * @module @hyperion/store-postgres
 */
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { POSTGRES_MIGRATIONS, NEWEST_POSTGRES_MIGRATION, type PostgresMigration } from './migrations.js';
export { parseStoreUrl, type StoreEndpoint } from './store-url.js';
export { translatePostgresError } from './translate-error.js';
