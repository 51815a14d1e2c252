/**
 * Runs the dashboard on the store file named by the first argument, for the real-terminal test:
 * `node --import tsx --conditions=@hyperion/source src/testing/run-dashboard.ts <database>`.
 */
import { SqliteStore } from '@hyperion/store';
import { startDashboard } from '../start-dashboard.js';

const databasePath = process.argv[2];
if (databasePath === undefined) {
  process.stderr.write('usage: run-dashboard <database file>\n');
  process.exit(2);
}
const store = SqliteStore.open(databasePath);
const dashboard = await startDashboard({ store, title: 'tmux test' });
await dashboard.waitUntilExit();
await store.close();
process.stdout.write('dashboard exited\n');
