import { runGit } from '@hyperion/git';
import type { QueueEntry } from '@hyperion/schema';
import type { QueueRuntime } from './runtime.js';

/** One path of `git diff --name-status --no-renames`: its status letter and path. */
interface ChangedPath {
  status: string;
  path: string;
}

/**
 * The changes from the tip to the heads a speculative chain's entries were tried on (one
 * `git diff --name-status --no-renames` per head, read once), to tell whether an entry that did
 * not apply on such a head would come to the same result on the tip.
 */
export class ChangesSinceTip {
  private readonly byHead = new Map<string, Promise<ChangedPath[]>>();
  private readonly ancestors = new Map<string, Promise<boolean>>();

  constructor(
    private readonly runtime: QueueRuntime,
    private readonly tip: string,
  ) {}

  /**
   * True when `head` differs from the tip in no way that can change how `entry`'s patch applies
   * (and the entry's base, when it names one, is in the tip's history): every change from the tip to `head` modifies or adds a file (no deletion, no type change, so
   * no rename or directory rename for a 3-way merge to detect), and none is one of the entry's
   * paths, a directory above one, or a path below one. `git apply` and the 3-way merge read only
   * the entry's paths (and the directories above them), which then hold the same on both.
   */
  async sameForEntry(head: string, entry: QueueEntry): Promise<boolean> {
    if (head === this.tip) return true;
    // The auto-rebase merges from the entry's base when it is in the commit's history, and file
    // by file otherwise: the same way on both only when the base is in the tip's history too.
    const base = entry.base_commit;
    if (base !== null && base !== this.tip && !(await this.inTipHistory(base))) return false;
    const changes = await this.changesTo(head);
    if (changes.some((change) => change.status !== 'M' && change.status !== 'A')) return false;
    return !changes.some((change) =>
      entry.paths.some(
        (path) =>
          change.path === path || change.path.startsWith(`${path}/`) || path.startsWith(`${change.path}/`),
      ),
    );
  }

  private inTipHistory(commit: string): Promise<boolean> {
    let known = this.ancestors.get(commit);
    if (known === undefined) {
      known = runGit(['merge-base', '--is-ancestor', commit, this.tip], {
        cwd: this.runtime.repository.root,
        allowFailure: true,
      }).then(({ exitCode }) => exitCode === 0);
      this.ancestors.set(commit, known);
    }
    return known;
  }

  private changesTo(head: string): Promise<ChangedPath[]> {
    let changes = this.byHead.get(head);
    if (changes === undefined) {
      changes = runGit(['diff', '--name-status', '--no-renames', '-z', this.tip, head, '--'], {
        cwd: this.runtime.repository.root,
      }).then(({ stdout }) => parseNameStatus(stdout));
      this.byHead.set(head, changes);
    }
    return changes;
  }
}

/** `git diff --name-status -z` output: a status field, then its path, each ended by a NUL. */
function parseNameStatus(output: string): ChangedPath[] {
  const fields = output.split('\0');
  const changes: ChangedPath[] = [];
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const status = fields[index]!;
    if (status === '') break;
    changes.push({ status: status.charAt(0), path: fields[index + 1]! });
  }
  return changes;
}
