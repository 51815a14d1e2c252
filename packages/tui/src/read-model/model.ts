import type { QueueState } from '@hyperion/schema';
import type { RequestStatus } from '@hyperion/store';

/** One queue entry as the dashboard shows it. */
export interface DashboardEntry {
  /** The change id. */
  id: string;
  /** The assignment it implements. */
  taskId: string;
  /** The request it came from, when it came through the pipeline. */
  requestId: string | null;
  /** Commit subject. */
  summary: string;
  /** Current queue state. */
  state: QueueState;
  /** Attempts started so far. */
  attempts: number;
  /** Attempts allowed before quarantine. */
  maxAttempts: number;
  /** The worker holding the lease, when running. */
  leaseOwner: string | null;
  /** The last error recorded on the entry. */
  lastError: string | null;
  /** Milliseconds since the entry last changed. */
  ageMs: number;
}

/** An agent's assignment that is running, waiting or blocked. */
export interface DashboardAgent {
  /** The assignment's task id. */
  taskId: string;
  /** The request it belongs to. */
  requestId: string;
  /** What the developer does. */
  summary: string;
  /** The harness of its latest run (or of the request's latest run), when known. */
  harness: string | null;
  /** `running` while an agent works on it; `waiting` for a dispatch or a person; `blocked` when stopped. */
  status: 'running' | 'waiting' | 'blocked';
  /** Why it waits or is blocked (awaiting approval, conflicted, the request's error…). */
  detail: string | null;
  /** Milliseconds since the assignment last changed. */
  elapsedMs: number;
  /** Input plus output tokens of its runs so far, when any harness reported them. */
  tokens: number | null;
}

/** A worker derived from leases and the event log. */
export interface DashboardWorker {
  /** The worker's name (the lease owner / event `worker`). */
  name: string;
  /** `busy` while it holds a live lease, `stalled` when its lease expired, `idle` otherwise. */
  status: 'busy' | 'stalled' | 'idle';
  /** The entry it holds, when any. */
  currentEntryId: string | null;
  /** Summary of the entry it holds. */
  currentSummary: string | null;
  /** Type of its most recent event. */
  lastEventType: string | null;
  /** Milliseconds since its most recent event (or lease), when known. */
  idleMs: number | null;
  /** What it is doing on its entry: the type of its latest event for that entry. */
  step: string | null;
  /** Milliseconds until its lease expires (negative once expired), when it holds one. */
  leaseExpiresInMs: number | null;
  /** Milliseconds since it last renewed its lease (needs the lease length), when known. */
  heartbeatAgeMs: number | null;
}

/** Outcome counts of one request's queue entries. */
export interface RequestOutcomes {
  /** Entries that landed. */
  landed: number;
  /** Entries still queued, awaiting approval or running. */
  pending: number;
  /** Entries quarantined, conflicted or rejected. */
  failed: number;
  /** Entries in any other terminal state (cancelled, rolled back, dry runs). */
  other: number;
}

/** One task request with its progress. */
export interface DashboardRequest {
  /** The request id. */
  id: string;
  /** The request's summary. */
  summary: string;
  /** Where the pipeline got to. */
  status: RequestStatus;
  /** Why the pipeline stopped, when it did. */
  error: string | null;
  /** How many assignments the orchestrator planned. */
  assignments: number;
  /** Outcomes of the request's queue entries. */
  outcomes: RequestOutcomes;
  /** ISO 8601 creation time. */
  createdAt: string;
}

/** Queue metrics computed from the event log and state counts. */
export interface DashboardMetrics {
  /** Entries landed per minute over the last 10 minutes. */
  landedPerMinuteLast10: number;
  /** Entries landed per minute over the last 60 minutes. */
  landedPerMinuteLast60: number;
  /** Entries currently landed. */
  landedTotal: number;
  /** Entries currently conflicted. */
  conflictsTotal: number;
  /** Entries currently quarantined. */
  quarantinedTotal: number;
  /** landed / (landed + quarantined + conflicted), or null before any outcome. */
  successRate: number | null;
  /** Median enqueue→landed time in milliseconds, or null without landings. */
  latencyMedianMs: number | null;
  /** 90th percentile enqueue→landed time in milliseconds, or null without landings. */
  latencyP90Ms: number | null;
  /** Failed checks within the alert window. */
  recentCheckFailures: number;
  /** Flaky checks within the alert window. */
  recentCheckFlakes: number;
}

/** Something a human should look at. */
export interface DashboardAlert {
  /** `error` for lost work, `warning` for things that may resolve themselves. */
  severity: 'error' | 'warning';
  /** The entry concerned. */
  entryId: string;
  /** The entry's state when the alert was read (`r` retries quarantined and conflicted ones). */
  state: QueueState;
  /** One line describing it. */
  message: string;
  /** ISO 8601 time of the event behind the alert. */
  at: string;
}

/** A read-only snapshot of everything the dashboard shows. */
export interface DashboardModel {
  /** The snapshot's time, epoch milliseconds. */
  now: number;
  /** How many entries are in each state (every state present, zero when empty). */
  counts: Record<QueueState, number>;
  /**
   * A page of entries: awaiting approval first, then running, queued, and the most recent terminal
   * ones; each state's page is limited (see `counts` for the totals).
   */
  entries: DashboardEntry[];
  /** Assignments agents work on, wait for or are blocked on. */
  agents: DashboardAgent[];
  /** The queue's switches (paused, draining). */
  controls: { paused: boolean; draining: boolean };
  /** Workers seen holding leases or writing events recently. */
  workers: DashboardWorker[];
  /** The newest task requests first. */
  requests: DashboardRequest[];
  /** Throughput, conflicts, success rate and latency. */
  metrics: DashboardMetrics;
  /** Newest first. */
  alerts: DashboardAlert[];
  /** What to do next, each line naming the key (or command) that does it. */
  guidance: string[];
}
