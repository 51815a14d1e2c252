import type { NewQueueEntry } from '../records.js';
import type { HyperionStore } from '../store-interface.js';

/** A submission with sensible defaults, for the conformance tests. */
export function conformanceEntry(
  id: string,
  paths: string[],
  overrides: Partial<NewQueueEntry> = {},
): NewQueueEntry {
  return {
    id,
    task_id: `task-${id}`,
    request_id: null,
    agent: 'conformance',
    summary: `change ${id}`,
    priority: 0,
    max_attempts: 3,
    target_branch: 'main',
    paths,
    patch: `patch ${id}`,
    patch_hash: Buffer.from(id).toString('hex').padEnd(64, '0').slice(0, 64),
    base_commit: null,
    checks: [],
    change_request: { id, note: 'as submitted' },
    ...overrides,
  };
}

/** Lands a running entry as its lease owner. */
export async function landEntry(store: HyperionStore, id: string, owner: string): Promise<void> {
  await store.transition(id, {
    from: 'running',
    owner,
    to: 'landed',
    type: 'entry:landed',
    worker: owner,
    data: { commit: null },
    set: { last_error: null },
  });
}

/** Ends a running entry's attempt with a retry backoff, as a worker does after a failed check. */
export async function retryLater(
  store: HyperionStore,
  id: string,
  owner: string,
  notBefore: number,
): Promise<void> {
  await store.transition(id, {
    from: 'running',
    owner,
    to: 'queued',
    type: 'entry:retry_scheduled',
    worker: owner,
    data: { reason: 'check failed' },
    set: { not_before: notBefore, last_error: 'check failed' },
  });
}

/** A small deterministic pseudo-random generator (the same run every time). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}
