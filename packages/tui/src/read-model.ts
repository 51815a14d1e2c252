import { QUEUE_STATES, type QueueEvent, type QueueState } from '@hyperion/schema';
import type { StoreReadModel } from '@hyperion/store';
import { deriveAlerts } from './read-model/alerts.js';
import { readActiveEntries, readRecentTerminalEntries, toDashboardEntry } from './read-model/entries.js';
import { eventsSince } from './read-model/event-fields.js';
import { deriveGuidance } from './read-model/guidance.js';
import { computeMetrics } from './read-model/metrics.js';
import type { DashboardModel } from './read-model/model.js';
import { readRequests } from './read-model/requests.js';
import { deriveWorkers } from './read-model/workers.js';

/** Options of {@link readDashboard}. */
export interface ReadDashboardOptions {
  /** The snapshot's time in epoch milliseconds (default: the store's clock). */
  now?: number;
  /** The event log in order, when the caller already holds it (see `createEventFeed`). */
  events?: readonly QueueEvent[];
  /** How many terminal entries to show after the active ones (default 20). */
  terminalLimit?: number;
  /** How many of the newest requests to show (default 100). */
  requestLimit?: number;
  /** How far back quarantines, conflicts and check failures raise alerts (default 30 minutes). */
  alertWindowMs?: number;
  /** How far back a worker's last event keeps it listed (default 60 minutes). */
  workerWindowMs?: number;
}

async function fullCounts(store: StoreReadModel): Promise<Record<QueueState, number>> {
  const stored = await store.countByState();
  const counts = {} as Record<QueueState, number>;
  for (const state of QUEUE_STATES) counts[state] = stored[state] ?? 0;
  return counts;
}

/**
 * Reads a snapshot of everything the dashboard shows: entries, workers, requests, metrics,
 * alerts and guidance. It only reads the store, so it is safe beside running workers.
 */
export async function readDashboard(
  store: StoreReadModel,
  options: ReadDashboardOptions = {},
): Promise<DashboardModel> {
  const now = options.now ?? store.now();
  const events = options.events ?? (await store.listEvents());
  const alertSince = now - (options.alertWindowMs ?? 30 * 60_000);
  const counts = await fullCounts(store);
  const active = await readActiveEntries(store);
  const terminal = await readRecentTerminalEntries(store, events, options.terminalLimit ?? 20);
  const entries = [...active, ...terminal].map((entry) => toDashboardEntry(entry, now));
  const workerEvents = eventsSince(events, now - (options.workerWindowMs ?? 60 * 60_000));
  const workers = deriveWorkers(active, workerEvents, now);
  const requests = await readRequests(store, options.requestLimit ?? 100);
  const metrics = computeMetrics(counts, events, now, alertSince);
  const alerts = deriveAlerts(active, eventsSince(events, alertSince), now);
  const guidance = deriveGuidance({ counts, entries, workers, requests, alerts });
  return { now, counts, entries, workers, requests, metrics, alerts, guidance };
}

export type {
  DashboardModel,
  DashboardEntry,
  DashboardWorker,
  DashboardRequest,
  DashboardMetrics,
  DashboardAlert,
  RequestOutcomes,
} from './read-model/model.js';
