/**
 * Lifecycle of a request as the pipeline reports it. `partial`: some assignments were enqueued and
 * the others failed (`on_partial_failure: land_succeeded`); the request's error names them.
 */
export type RequestStatus = 'received' | 'dispatched' | 'enqueued' | 'partial' | 'failed' | 'blocked';

/** A stored task request. */
export interface RequestRecord {
  /** The request id. */
  id: string;
  /** The request's summary. */
  summary: string;
  /** Where the pipeline got to. */
  status: RequestStatus;
  /** Why the pipeline stopped, when it did. */
  error: string | null;
  /** The request as parsed (JSON). */
  body: unknown;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601. */
  updated_at: string;
}

/** Lifecycle of an assignment. */
export type AssignmentStatus = 'planned' | 'running' | 'submitted' | 'failed';

/** A stored task assignment. */
export interface AssignmentRecord {
  /** The assignment's task id. */
  task_id: string;
  /** The request it belongs to. */
  request_id: string;
  /** What the developer does. */
  summary: string;
  /** Where the assignment got to. */
  status: AssignmentStatus;
  /** Why it failed, when it did. */
  error: string | null;
  /** The assignment as parsed (JSON). */
  body: unknown;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601. */
  updated_at: string;
}

/** What {@link HyperionStore.enqueue} needs to create a queue entry. */
export interface NewQueueEntry {
  /** The change id (unique). */
  id: string;
  /** The assignment it implements. */
  task_id: string;
  /** The request, when the change came through the pipeline. */
  request_id: string | null;
  /** Who produced it. */
  agent: string;
  /** Commit subject. */
  summary: string;
  /** Higher runs first. */
  priority: number;
  /** Attempts before quarantine. */
  max_attempts: number;
  /** Branch to land on. */
  target_branch: string;
  /** Every path the patch touches. */
  paths: string[];
  /** The combined patch. */
  patch: string;
  /** sha256 of `patch`. */
  patch_hash: string;
  /** Commit the patch was made against. */
  base_commit: string | null;
  /** Names of the configured checks to run. */
  checks: string[];
  /**
   * Earlier entries this patch was stacked on: it applies only on top of them, waits for them, and
   * conflicts (with a report naming them) when one of them does not land. Default: none.
   */
  depends_on?: string[];
  /** The change request as submitted (kept verbatim for audit). */
  change_request: unknown;
  /** Starting state: `queued`, or `awaiting_approval` when the risk policy matched. */
  state?: 'queued' | 'awaiting_approval';
  /** Extra data for the `entry:enqueued` event. */
  event_data?: Record<string, unknown>;
}
