import type { HyperionStore, StoreTransaction } from '@hyperion/store';

/** The names of the store's methods. */
type StoreMethod = {
  [Name in keyof HyperionStore]: HyperionStore[Name] extends (...args: never[]) => unknown ? Name : never;
}[keyof HyperionStore];

/**
 * A store that forwards every call to another store and counts the calls by method: a thin
 * wrapper, the shape of any store decorator (metrics, tracing, a read cache…). It implements the
 * whole `HyperionStore` interface, so the compiler names any method a new version adds. Calls made
 * through a transaction's own object are the inner store's business and are not counted.
 */
export class CountingStore implements HyperionStore {
  /** Calls so far, by method name. */
  readonly calls = new Map<StoreMethod, number>();

  constructor(private readonly inner: HyperionStore) {}

  get kind(): string {
    return this.inner.kind;
  }

  get location(): string {
    return this.inner.location;
  }

  /** How many times `method` was called. */
  count(method: StoreMethod): number {
    return this.calls.get(method) ?? 0;
  }

  private forward<Name extends StoreMethod>(
    name: Name,
    args: Parameters<HyperionStore[Name]>,
  ): ReturnType<HyperionStore[Name]> {
    this.calls.set(name, this.count(name) + 1);
    const method = this.inner[name] as (
      ...args: Parameters<HyperionStore[Name]>
    ) => ReturnType<HyperionStore[Name]>;
    return method.apply(this.inner, args);
  }

  transaction<T>(work: (transaction: StoreTransaction) => Promise<T>): Promise<T> {
    this.calls.set('transaction', this.count('transaction') + 1);
    return this.inner.transaction(work);
  }

  // The queue.
  now(...args: Parameters<HyperionStore['now']>) {
    return this.forward('now', args);
  }
  enqueue(...args: Parameters<HyperionStore['enqueue']>) {
    return this.forward('enqueue', args);
  }
  hasSubmission(...args: Parameters<HyperionStore['hasSubmission']>) {
    return this.forward('hasSubmission', args);
  }
  getEntry(...args: Parameters<HyperionStore['getEntry']>) {
    return this.forward('getEntry', args);
  }
  requireEntry(...args: Parameters<HyperionStore['requireEntry']>) {
    return this.forward('requireEntry', args);
  }
  getChangeRequest(...args: Parameters<HyperionStore['getChangeRequest']>) {
    return this.forward('getChangeRequest', args);
  }
  listEntries(...args: Parameters<HyperionStore['listEntries']>) {
    return this.forward('listEntries', args);
  }
  listUnfinishedEntriesOnPaths(...args: Parameters<HyperionStore['listUnfinishedEntriesOnPaths']>) {
    return this.forward('listUnfinishedEntriesOnPaths', args);
  }
  countByState(...args: Parameters<HyperionStore['countByState']>) {
    return this.forward('countByState', args);
  }
  leaseNext(...args: Parameters<HyperionStore['leaseNext']>) {
    return this.forward('leaseNext', args);
  }
  hasPendingWork(...args: Parameters<HyperionStore['hasPendingWork']>) {
    return this.forward('hasPendingWork', args);
  }
  expireLeases(...args: Parameters<HyperionStore['expireLeases']>) {
    return this.forward('expireLeases', args);
  }
  renewLease(...args: Parameters<HyperionStore['renewLease']>) {
    return this.forward('renewLease', args);
  }
  transition(...args: Parameters<HyperionStore['transition']>) {
    return this.forward('transition', args);
  }
  recordEvent(...args: Parameters<HyperionStore['recordEvent']>) {
    return this.forward('recordEvent', args);
  }
  listEvents(...args: Parameters<HyperionStore['listEvents']>) {
    return this.forward('listEvents', args);
  }
  listEventsSince(...args: Parameters<HyperionStore['listEventsSince']>) {
    return this.forward('listEventsSince', args);
  }
  waitForChange(...args: Parameters<HyperionStore['waitForChange']>) {
    return this.forward('waitForChange', args);
  }
  queueControls(...args: Parameters<HyperionStore['queueControls']>) {
    return this.forward('queueControls', args);
  }
  setQueueControls(...args: Parameters<HyperionStore['setQueueControls']>) {
    return this.forward('setQueueControls', args);
  }

  // The request pipeline's records.
  insertRequest(...args: Parameters<HyperionStore['insertRequest']>) {
    return this.forward('insertRequest', args);
  }
  removeFailedRequest(...args: Parameters<HyperionStore['removeFailedRequest']>) {
    return this.forward('removeFailedRequest', args);
  }
  updateRequest(...args: Parameters<HyperionStore['updateRequest']>) {
    return this.forward('updateRequest', args);
  }
  getRequest(...args: Parameters<HyperionStore['getRequest']>) {
    return this.forward('getRequest', args);
  }
  listRequests(...args: Parameters<HyperionStore['listRequests']>) {
    return this.forward('listRequests', args);
  }
  insertAssignment(...args: Parameters<HyperionStore['insertAssignment']>) {
    return this.forward('insertAssignment', args);
  }
  updateAssignment(...args: Parameters<HyperionStore['updateAssignment']>) {
    return this.forward('updateAssignment', args);
  }
  listAssignments(...args: Parameters<HyperionStore['listAssignments']>) {
    return this.forward('listAssignments', args);
  }
  recordAssignmentRun(...args: Parameters<HyperionStore['recordAssignmentRun']>) {
    return this.forward('recordAssignmentRun', args);
  }
  listAssignmentRuns(...args: Parameters<HyperionStore['listAssignmentRuns']>) {
    return this.forward('listAssignmentRuns', args);
  }

  // Speculation shared by worker processes.
  publishCandidate(...args: Parameters<HyperionStore['publishCandidate']>) {
    return this.forward('publishCandidate', args);
  }
  withdrawCandidate(...args: Parameters<HyperionStore['withdrawCandidate']>) {
    return this.forward('withdrawCandidate', args);
  }
  renewCandidates(...args: Parameters<HyperionStore['renewCandidates']>) {
    return this.forward('renewCandidates', args);
  }
  listCandidates(...args: Parameters<HyperionStore['listCandidates']>) {
    return this.forward('listCandidates', args);
  }
  enterBuildTurn(...args: Parameters<HyperionStore['enterBuildTurn']>) {
    return this.forward('enterBuildTurn', args);
  }
  checkBuildTurn(...args: Parameters<HyperionStore['checkBuildTurn']>) {
    return this.forward('checkBuildTurn', args);
  }
  leaveBuildTurn(...args: Parameters<HyperionStore['leaveBuildTurn']>) {
    return this.forward('leaveBuildTurn', args);
  }
  waitForSpeculationChange(...args: Parameters<HyperionStore['waitForSpeculationChange']>) {
    return this.forward('waitForSpeculationChange', args);
  }

  // The log, maintenance and lifetime.
  listSubmissions(...args: Parameters<HyperionStore['listSubmissions']>) {
    return this.forward('listSubmissions', args);
  }
  importLog(...args: Parameters<HyperionStore['importLog']>) {
    return this.forward('importLog', args);
  }
  pruneFinished(...args: Parameters<HyperionStore['pruneFinished']>) {
    return this.forward('pruneFinished', args);
  }
  listCommittedEvents(...args: Parameters<HyperionStore['listCommittedEvents']>) {
    return this.forward('listCommittedEvents', args);
  }
  close(...args: Parameters<HyperionStore['close']>) {
    return this.forward('close', args);
  }
}
