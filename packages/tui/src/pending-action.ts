import type { QueueState } from '@hyperion/schema';
import type { DashboardActions } from './actions.js';
import type { DashboardModel } from './read-model/model.js';

/** An action waiting for `y`. */
export interface PendingAction {
  /** What `y` does. */
  kind: 'approve' | 'reject' | 'retry' | 'pause' | 'resume';
  /** The entry it acts on (none for pause and resume). */
  entryId?: string;
  /** Why (a rejection's reason, as the person typed it). */
  reason?: string;
}

/** The states each entry action accepts (the queue checks again; this only spares a useless `y`). */
const ALLOWED: Record<'approve' | 'reject' | 'retry', readonly QueueState[]> = {
  approve: ['awaiting_approval'],
  reject: ['awaiting_approval', 'queued'],
  retry: ['quarantined', 'conflicted'],
};

/** The state the model last saw `id` in, when it shows that entry. */
export function knownState(model: DashboardModel, id: string): QueueState | undefined {
  return (
    model.entries.find((entry) => entry.id === id)?.state ??
    model.alerts.find((alert) => alert.entryId === id)?.state
  );
}

/** Why `kind` cannot apply to `id` (its known state), or undefined when it may. */
export function refusal(model: DashboardModel, kind: keyof typeof ALLOWED, id: string): string | undefined {
  const state = knownState(model, id);
  if (state === undefined || ALLOWED[kind].includes(state)) return undefined;
  const what = kind === 'retry' ? 'quarantined or conflicted' : ALLOWED[kind].join(' or ');
  return `cannot ${kind} ${id}: it is ${state}; only ${what} entries can be ${kind === 'retry' ? 'retried' : `${kind}${kind.endsWith('e') ? 'd' : 'ed'}`}`;
}

/** The question shown while the action waits for `y`. */
export function question(action: PendingAction): string {
  if (action.kind === 'pause') return 'pause the queue (no new leases)? y to confirm, any other key cancels';
  if (action.kind === 'resume') return 'resume the queue? y to confirm, any other key cancels';
  return `${action.kind} ${action.entryId ?? ''}? y to confirm, any other key cancels`;
}

/** Runs a confirmed action; resolves to the line to show (its result or its error). */
export async function perform(actions: DashboardActions, action: PendingAction): Promise<string> {
  const id = action.entryId ?? '';
  try {
    switch (action.kind) {
      case 'approve':
        await actions.approve(id);
        return `approved ${id} as ${actions.actor}`;
      case 'reject':
        await actions.reject(id, action.reason ?? '');
        return `rejected ${id} as ${actions.actor}: ${action.reason ?? ''}`;
      case 'retry':
        await actions.retry(id);
        return `sent ${id} back to the queue as ${actions.actor}`;
      case 'pause':
        await actions.setPaused(true);
        return `queue paused by ${actions.actor} — p to resume`;
      case 'resume':
        await actions.setPaused(false);
        return `queue resumed by ${actions.actor}`;
    }
  } catch (error) {
    return `${action.kind} failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
