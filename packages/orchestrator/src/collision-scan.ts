import type { QueueEntry, QueueState } from '@hyperion/schema';
import type { QueueStore } from '@hyperion/store';

/** An entry queued or in flight that touches files of an assignment. */
export interface CollisionOverlap {
  /** The entry (change id). */
  change_id: string;
  /** Its task. */
  task_id: string;
  /** Its request, when it came through one. */
  request_id: string | null;
  /** Its state when the overlap was found. */
  state: QueueState;
  /** The assignment's files it touches too. */
  files: string[];
}

/** What {@link scanCollisions} found for one assignment. */
export interface CollisionScan {
  /** The entries sharing a file with the assignment, in submission order. */
  overlaps: CollisionOverlap[];
  /**
   * Every unfinished entry the assignment's work lands after on its files: the overlapping ones,
   * and, transitively, the ones sharing a file with those (an entry's patch may need the ones
   * before it on its own files). In submission order, as they land.
   */
  ahead: QueueEntry[];
}

/**
 * The entries of `targetBranch` queued, running or awaiting approval on `files` (and, with
 * `contextFiles`, on files the assignment's base also carries, such as an earlier phase's),
 * through the store's indexed query, closed over shared files. Entries of `ownRequest` are left
 * out: a request's own assignments never collide (their files are disjoint, or ordered in phases).
 */
export async function scanCollisions(
  store: Pick<QueueStore, 'listUnfinishedEntriesOnPaths'>,
  targetBranch: string,
  files: readonly string[],
  options: { ownRequest?: string; contextFiles?: readonly string[] } = {},
): Promise<CollisionScan> {
  const own = new Set(files);
  const touched = new Set([...files, ...(options.contextFiles ?? [])]);
  let ahead: QueueEntry[] = [];
  for (;;) {
    const found = (await store.listUnfinishedEntriesOnPaths(targetBranch, [...touched])).filter(
      (entry) => options.ownRequest === undefined || entry.request_id !== options.ownRequest,
    );
    const before = touched.size;
    for (const entry of found) for (const path of entry.paths) touched.add(path);
    ahead = found;
    if (touched.size === before) break;
  }
  const overlaps = ahead.flatMap((entry) => {
    const shared = entry.paths.filter((path) => own.has(path));
    return shared.length === 0
      ? []
      : [
          {
            change_id: entry.id,
            task_id: entry.task_id,
            request_id: entry.request_id,
            state: entry.state,
            files: shared,
          },
        ];
  });
  return { overlaps, ahead };
}
