import { QUEUE_STATES, type QueueState } from '@hyperion/schema';
import type { DashboardModel } from '../read-model/model.js';

/** A hand-made model covering every pane, for render tests. */
export function sampleModel(overrides: Partial<DashboardModel> = {}): DashboardModel {
  const counts = Object.fromEntries(QUEUE_STATES.map((state) => [state, 0])) as Record<QueueState, number>;
  Object.assign(counts, { queued: 1, running: 1, awaiting_approval: 1, landed: 4, quarantined: 1 });
  return {
    now: Date.parse('2025-01-01T12:00:00.000Z'),
    counts,
    entries: [
      {
        id: 'change-running',
        taskId: 'task-1',
        requestId: 'request-1',
        summary: 'add the parser',
        state: 'running',
        attempts: 1,
        maxAttempts: 3,
        leaseOwner: 'worker-1',
        lastError: null,
        ageMs: 4_000,
      },
      {
        id: 'change-queued',
        taskId: 'task-2',
        requestId: 'request-1',
        summary: 'document the parser',
        state: 'queued',
        attempts: 0,
        maxAttempts: 3,
        leaseOwner: null,
        lastError: null,
        ageMs: 9_000,
      },
      {
        id: 'change-risky',
        taskId: 'task-3',
        requestId: 'request-1',
        summary: 'touch the migrations',
        state: 'awaiting_approval',
        attempts: 0,
        maxAttempts: 3,
        leaseOwner: null,
        lastError: null,
        ageMs: 12_000,
      },
      {
        id: 'change-broken',
        taskId: 'task-4',
        requestId: 'request-0',
        summary: 'refactor everything',
        state: 'quarantined',
        attempts: 3,
        maxAttempts: 3,
        leaseOwner: null,
        lastError: 'check test failed',
        ageMs: 60_000,
      },
    ],
    workers: [
      {
        name: 'worker-1',
        status: 'busy',
        currentEntryId: 'change-running',
        currentSummary: 'add the parser',
        lastEventType: 'check:passed',
        idleMs: 1_000,
      },
      {
        name: 'worker-2',
        status: 'idle',
        currentEntryId: null,
        currentSummary: null,
        lastEventType: 'entry:landed',
        idleMs: 30_000,
      },
    ],
    requests: [
      {
        id: 'request-1',
        summary: 'parse config files',
        status: 'enqueued',
        error: null,
        assignments: 3,
        outcomes: { landed: 0, pending: 3, failed: 0, other: 0 },
        createdAt: '2025-01-01T11:59:00.000Z',
      },
      {
        id: 'request-0',
        summary: 'big refactor',
        status: 'enqueued',
        error: null,
        assignments: 1,
        outcomes: { landed: 0, pending: 0, failed: 1, other: 0 },
        createdAt: '2025-01-01T11:50:00.000Z',
      },
    ],
    metrics: {
      landedPerMinuteLast10: 0.3,
      landedPerMinuteLast60: 0.05,
      landedTotal: 4,
      conflictsTotal: 0,
      quarantinedTotal: 1,
      successRate: 0.8,
      latencyMedianMs: 42_000,
      latencyP90Ms: 95_000,
      recentCheckFailures: 2,
      recentCheckFlakes: 1,
    },
    alerts: [
      {
        severity: 'error',
        entryId: 'change-broken',
        message: 'quarantined: check test failed',
        at: '2025-01-01T11:59:00.000Z',
      },
    ],
    guidance: [
      '1 entry awaits approval: hyperion approve change-risky',
      'entry change-broken quarantined: hyperion queue show change-broken',
    ],
    ...overrides,
  };
}
