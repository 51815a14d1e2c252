import type {
  AssignmentRecord,
  AssignmentRun,
  AssignmentStatus,
  NewAssignmentRun,
  RequestRecord,
  RequestStatus,
  StoreTransaction,
} from '@hyperion/store';
import { QueueOperations } from './queue-operations.js';
import * as requests from './request-operations.js';

/**
 * Every operation of the store on one session: the store itself runs them on its pool, and
 * {@link PostgresStore.transaction} hands its work one of these on the transaction's connection.
 */
export class StoreOperations extends QueueOperations implements StoreTransaction {
  /** Stores a new request; `duplicate` when the id exists. */
  insertRequest(record: {
    id: string;
    summary: string;
    status: RequestStatus;
    body: unknown;
  }): Promise<void> {
    return requests.insertRequest(this.session, this.isoNow(), record);
  }

  /** Forgets a failed request that has no queue entries (its assignments too). */
  removeFailedRequest(id: string): Promise<void> {
    return requests.removeFailedRequest(this.session, id);
  }

  /** Sets a request's status (and error). */
  updateRequest(id: string, status: RequestStatus, error: string | null = null): Promise<void> {
    return requests.updateRequest(this.session, this.isoNow(), id, status, error);
  }

  /** One request, or undefined. */
  getRequest(id: string): Promise<RequestRecord | undefined> {
    return requests.getRequest(this.session, id);
  }

  /** The newest requests first. */
  listRequests(limit = 100): Promise<RequestRecord[]> {
    return requests.listRequests(this.session, limit);
  }

  /** Stores a new assignment. */
  insertAssignment(record: {
    task_id: string;
    request_id: string;
    summary: string;
    status: AssignmentStatus;
    body: unknown;
  }): Promise<void> {
    return requests.insertAssignment(this.session, this.isoNow(), record);
  }

  /** Sets an assignment's status (and error). */
  updateAssignment(taskId: string, status: AssignmentStatus, error: string | null = null): Promise<void> {
    return requests.updateAssignment(this.session, this.isoNow(), taskId, status, error);
  }

  /** The assignments of a request, in creation order. */
  listAssignments(requestId: string): Promise<AssignmentRecord[]> {
    return requests.listAssignments(this.session, requestId);
  }

  /** Records one agent run; returns its id. */
  recordAssignmentRun(run: NewAssignmentRun): Promise<number> {
    return requests.recordAssignmentRun(this.session, this.isoNow(), run);
  }

  /** The runs of a request, or of one assignment, oldest first. */
  listAssignmentRuns(filter: { requestId?: string; taskId?: string }): Promise<AssignmentRun[]> {
    return requests.listAssignmentRuns(this.session, filter);
  }
}
