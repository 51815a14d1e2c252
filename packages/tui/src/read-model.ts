import { QUEUE_STATES, type QueueEvent, type QueueState } from '@hyperion/schema';
import type { StoreReadModel } from '@hyperion/store';
import { deriveAgents } from './read-model/agents.js';
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
  /**
   * How many entries of each active state (awaiting approval, running, queued) to read (default
   * 200): the totals come from the counts, so a long queue never loads every row and patch.
   */
  pageSize?: number;
  /** The configured lease length, to show each worker's heartbeat age (unknown without it). */
  leaseMs?: number;
  /** How many of the newest requests to show (default 100). */
  requestLimit?: number;
  /** How far back check failures and flakes are counted in the metrics (default 30 minutes). */
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
  const active = await readActiveEntries(store, options.pageSize ?? 200);
  const terminal = await readRecentTerminalEntries(store, events, options.terminalLimit ?? 20);
  const entries = [...active, ...terminal].map((entry) => toDashboardEntry(entry, now));
  const workerEvents = eventsSince(events, now - (options.workerWindowMs ?? 60 * 60_000));
  const workers = deriveWorkers(active, workerEvents, now, options.leaseMs);
  const readings = await readRequests(store, options.requestLimit ?? 100);
  const requests = readings.map((reading) => reading.row);
  const agents = await deriveAgents(store, readings, now);
  const metrics = computeMetrics(counts, events, now, alertSince);
  const alerts = await deriveAlerts(store, active, events, now);
  const controls = await store.queueControls();
  const guidance = deriveGuidance({ counts, workers, agents, requests, alerts, controls });
  return {
    now,
    counts,
    entries,
    agents,
    controls: { paused: controls.paused, draining: controls.draining },
    workers,
    requests,
    metrics,
    alerts,
    guidance,
  };
}

export type {
  DashboardModel,
  DashboardEntry,
  DashboardWorker,
  DashboardRequest,
  DashboardMetrics,
  DashboardAlert,
  DashboardAgent,
  RequestOutcomes,
} from './read-model/model.js';
