import { HyperionError, printable, remoteNameProblem } from '@hyperion/schema';
import type { GitRepository } from './git-repository.js';
import type { LandingProof } from './hyperion-trailers.js';
import type { LandCommitResult } from './land-commit.js';
import type { LandingTarget } from './landing-target.js';
import { parsePushStatus, redactUrlCredentials, type PushStatus } from './push-status.js';
import { firstNonEmptyLine, runGit, type GitCommandResult } from './run-git.js';

/** How long one fetch or push may take before it is stopped: a remote must never hang a worker. */
export const DEFAULT_REMOTE_TIMEOUT_MS = 60_000;
/** How long a fetch or push keeps retrying while another writer holds a ref lock it needs. */
const REF_LOCK_WAIT_MS = 10_000;
/** git's words when a fetch read the HEAD of a worktree that `git worktree add` is still making. */
const WORKTREE_BEING_ADDED = /bad object worktrees\/[^\s/]+\/HEAD/;

/** git's words for a ref another writer holds locked, or moved between its read and its write. */
const REF_LOCK_CONTENTION =
  /cannot lock ref|unable to create '[^']*\.lock'|but expected|failed to update ref/i;
/** Errors of a fetch after a push that are said as they are, not as the push's refusal. */
const REMOTE_PROBLEMS: ReadonlySet<string> = new Set(['branch_not_found', 'remote_unavailable']);
/** Refusals of a push whose expected value was stale: the remote branch moved (and perhaps back). */
const STALE_PUSH = /stale info|fetch first|non-fast-forward/;

/** Options of {@link RemoteBranchTarget}. */
export interface RemoteBranchTargetOptions {
  /** The remote's name in the clone (`origin`); refused unless it is a plain remote name. */
  remote: string;
  /** Limit of one fetch or push, in milliseconds (default {@link DEFAULT_REMOTE_TIMEOUT_MS}). */
  timeoutMs?: number;
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, milliseconds));
}

/**
 * The target branch is a branch of a git remote that several clones (one per worker host) land
 * on. {@link RemoteBranchTarget.tip} fetches `refs/heads/<branch>` into the remote-tracking ref
 * `refs/remotes/<remote>/<branch>`; landed changes are looked up on that fetched ref; and
 * {@link RemoteBranchTarget.land} pushes with `--force-with-lease=refs/heads/<branch>:<expected>`,
 * which the remote's `receive-pack` applies only if its ref still holds the expected commit (it
 * verifies the old value under the ref's lock): a compare-and-swap on the remote. A push refused
 * because the branch moved is a lost race, told apart from other refusals by fetching the tip
 * again. Every fetch and push is stopped after a timeout.
 */
export class RemoteBranchTarget implements LandingTarget {
  /** Always `remote`. */
  readonly kind = 'remote';
  /** The remote's name in the clone. */
  readonly remote: string;
  private readonly repository: GitRepository;
  private readonly timeoutMs: number;
  private remoteChecked: Promise<void> | undefined;
  private readonly branchesChecked = new Map<string, Promise<void>>();

  /**
   * A target on the branches of `options.remote`, landed from `repository` (a clone that has the
   * remote configured, which is checked on first use). Throws `invalid_input` naming the field
   * `remote` when the name could be read as an option of git or is not a remote name.
   */
  constructor(repository: GitRepository, options: RemoteBranchTargetOptions) {
    const problem = remoteNameProblem(options.remote);
    if (problem !== undefined) {
      throw new HyperionError('invalid_input', `remote: '${printable(options.remote)}' ${problem}`, {
        details: { field: 'remote' },
      });
    }
    this.repository = repository;
    this.remote = options.remote;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS;
  }

  /** `'main' on remote 'origin'`. */
  describe(branch: string): string {
    return `'${printable(branch)}' on remote '${this.remote}'`;
  }

  /** `refs/remotes/<remote>/<branch>`, where fetches put the remote branch. */
  trackingRef(branch: string): string {
    return `refs/remotes/${this.remote}/${branch}`;
  }

  /**
   * Fetches the remote branch (`git fetch --no-tags <remote>
   * +refs/heads/<branch>:refs/remotes/<remote>/<branch>`) and returns its tip. Throws
   * `branch_not_found` when the remote has no such branch, `invalid_input` when the clone has no
   * such remote, and `remote_unavailable` naming the remote and branch (never a credential) when
   * the fetch fails otherwise: the remote cannot be reached or does not answer within the timeout.
   */
  async tip(branch: string): Promise<string> {
    await this.prepare(branch);
    await this.fetch(branch);
    const tip = await this.knownTip(branch);
    if (tip === undefined) {
      throw new HyperionError(
        'git_failed',
        `fetching ${this.describe(branch)} left no ${this.trackingRef(branch)}`,
        {
          details: { remote: this.remote, branch },
        },
      );
    }
    return tip;
  }

  /** The remote-tracking ref `refs/remotes/<remote>/<branch>` (the tip of the last fetch or push). */
  knownTip(branch: string): Promise<string | undefined> {
    return this.repository.resolveRef(this.trackingRef(branch));
  }

  /** The remote-tracking ref, or a fetch when the clone has none yet. */
  async requireKnownTip(branch: string): Promise<string> {
    return (await this.knownTip(branch)) ?? this.tip(branch);
  }

  /** `GitRepository.findLandedChange` on the remote-tracking ref (as last fetched). */
  findLandedChange(branch: string, proof: LandingProof): Promise<string | undefined> {
    return this.repository.findLandedChange(this.trackingRef(branch), proof);
  }

  /**
   * Pushes `newCommit` to the remote branch if it still holds `expectedOldCommit`
   * (`git push --porcelain --force-with-lease=refs/heads/<branch>:<expected> <remote>
   * <commit>:refs/heads/<branch>`), then moves the remote-tracking ref along. When the push does
   * not report success the branch is fetched: at `newCommit` the push went through (`landed`);
   * elsewhere than `expectedOldCommit` the race is lost (`race_lost` with that tip); still at
   * `expectedOldCommit` the remote refused for another reason (a hook, permissions, a checked-out
   * branch), which throws `git_failed` with the remote's words. A push that errors without the
   * remote's answer for the branch, or does not finish within the timeout (it may have moved the
   * ref before its connection hung), is followed by a fetch too: at `newCommit` it is `landed`,
   * otherwise (or when the fetch fails as well) it throws `remote_unavailable`.
   */
  async land(branch: string, newCommit: string, expectedOldCommit: string): Promise<LandCommitResult> {
    await this.prepare(branch);
    const started = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      let push: GitCommandResult;
      try {
        push = await this.push(branch, newCommit, expectedOldCommit);
      } catch (error) {
        // Stopped at the timeout: whether the remote applied the push is read from the remote.
        if ((await this.tipAfterUnansweredPush(branch, error)) === newCommit) {
          return { status: 'landed', commit: newCommit };
        }
        throw error;
      }
      const status = parsePushStatus(push.stdout, `refs/heads/${branch}`);
      if (push.exitCode === 0 && status !== undefined && status.flag !== '!') {
        await this.followLanding(branch, newCommit, expectedOldCommit);
        return { status: 'landed', commit: newCommit };
      }
      const current = await this.tipAfterRefusedPush(branch, push, status);
      if (current === newCommit) return { status: 'landed', commit: newCommit };
      if (current !== expectedOldCommit) return { status: 'race_lost', currentTip: current };
      // Still at the expected commit: another writer's lock, or a move and a move back, are worth
      // another try; anything else is the remote's answer.
      const words = `${status?.summary ?? ''}\n${push.stderr}`;
      const retryable = REF_LOCK_CONTENTION.test(words) || STALE_PUSH.test(status?.summary ?? '');
      if (!retryable || Date.now() - started >= REF_LOCK_WAIT_MS) {
        throw status === undefined
          ? this.pushUnanswered(branch, push)
          : this.pushRefused(branch, push, status);
      }
      await delay(Math.min(20 * attempt, 200));
    }
  }

  /**
   * Checks that the clone has the remote and that `branch` is a valid branch name; a check that
   * passed is not repeated, one that failed is (the user may have fixed the remote meanwhile).
   */
  private async prepare(branch: string): Promise<void> {
    this.remoteChecked ??= this.checkRemote().catch((error: unknown) => {
      this.remoteChecked = undefined;
      throw error;
    });
    await this.remoteChecked;
    let checked = this.branchesChecked.get(branch);
    if (checked === undefined) {
      checked = this.checkBranch(branch).catch((error: unknown) => {
        this.branchesChecked.delete(branch);
        throw error;
      });
      this.branchesChecked.set(branch, checked);
    }
    await checked;
  }

  private async checkRemote(): Promise<void> {
    const listed = await runGit(['remote'], { cwd: this.repository.root });
    if (listed.stdout.split('\n').some((line) => line.trim() === this.remote)) return;
    throw new HyperionError(
      'invalid_input',
      `remote: this clone (${this.repository.root}) has no git remote '${this.remote}' (add it with 'git remote add ${this.remote} <url>')`,
      { details: { field: 'remote', remote: this.remote, repository: this.repository.root } },
    );
  }

  private async checkBranch(branch: string): Promise<void> {
    const format = await runGit(['check-ref-format', `refs/heads/${branch}`], {
      cwd: this.repository.root,
      allowFailure: true,
    });
    if (format.exitCode === 0) return;
    throw new HyperionError(
      'invalid_input',
      `target_branch: '${printable(branch)}' is not a valid branch name`,
      {
        details: { field: 'target_branch' },
      },
    );
  }

  private async fetch(branch: string): Promise<void> {
    const args = [
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      this.remote,
      `+refs/heads/${branch}:${this.trackingRef(branch)}`,
    ];
    const started = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.runRemoteCommand(args, `fetching ${this.describe(branch)}`, branch);
      if (result.exitCode === 0) return;
      const reason = redactUrlCredentials(firstNonEmptyLine(result.stderr));
      if (/couldn't find remote ref/i.test(result.stderr)) {
        throw new HyperionError(
          'branch_not_found',
          `target branch ${this.describe(branch)} does not exist (fetched from ${this.repository.root})`,
          { details: { remote: this.remote, branch, repository: this.repository.root } },
        );
      }
      // Two fetches in one clone update the same remote-tracking ref: the later one retries. So
      // does a fetch that met another worker's `git worktree add` half done: git writes the new
      // worktree's HEAD as the null id first, and the fetch's connectivity check reads every
      // worktree's HEAD ("bad object worktrees/<name>/HEAD").
      const retryable = REF_LOCK_CONTENTION.test(result.stderr) || WORKTREE_BEING_ADDED.test(result.stderr);
      if (!retryable || Date.now() - started >= REF_LOCK_WAIT_MS) {
        throw new HyperionError(
          'remote_unavailable',
          `could not fetch ${this.describe(branch)}: ${printable(reason)}`,
          {
            details: { remote: this.remote, branch, stderr: redactUrlCredentials(result.stderr) },
          },
        );
      }
      await delay(Math.min(20 * attempt, 200));
    }
  }

  private push(branch: string, newCommit: string, expectedOldCommit: string): Promise<GitCommandResult> {
    const ref = `refs/heads/${branch}`;
    return this.runRemoteCommand(
      [
        'push',
        '--porcelain',
        `--force-with-lease=${ref}:${expectedOldCommit}`,
        this.remote,
        `${newCommit}:${ref}`,
      ],
      `pushing ${newCommit} to ${this.describe(branch)}`,
      branch,
    );
  }

  /** The remote tip after a push that did not report success; a fetch that fails names the push. */
  private async tipAfterRefusedPush(
    branch: string,
    push: GitCommandResult,
    status: PushStatus | undefined,
  ): Promise<string> {
    try {
      return await this.tip(branch);
    } catch (error) {
      if (HyperionError.isInstance(error) && REMOTE_PROBLEMS.has(error.code)) throw error;
      throw this.pushRefused(branch, push, status, error);
    }
  }

  /**
   * The remote tip after a push stopped at the timeout (`pushError`, `remote_unavailable`); when
   * it cannot be read either, `pushError` is thrown (a missing branch is said as such).
   */
  private async tipAfterUnansweredPush(branch: string, pushError: unknown): Promise<string> {
    try {
      return await this.tip(branch);
    } catch (error) {
      if (HyperionError.isInstance(error) && error.code === 'branch_not_found') throw error;
      throw pushError;
    }
  }

  /**
   * Moves the remote-tracking ref to the landed commit when it still shows the commit the
   * landing replaced (git's push usually did so already); a newer value is left alone.
   */
  private async followLanding(branch: string, newCommit: string, expectedOldCommit: string): Promise<void> {
    const tracking = this.trackingRef(branch);
    if ((await this.knownTip(branch)) !== expectedOldCommit) return;
    // Only a cache of the remote: the landing stands whatever happens here.
    await this.repository
      .compareAndSwapRef(tracking, newCommit, expectedOldCommit, `hyperion: landed ${newCommit}`)
      .catch(() => false);
  }

  private async runRemoteCommand(args: string[], doing: string, branch: string): Promise<GitCommandResult> {
    try {
      return await runGit(args, { cwd: this.repository.root, allowFailure: true, timeoutMs: this.timeoutMs });
    } catch (error) {
      throw new HyperionError(
        'remote_unavailable',
        `${doing} failed: the remote did not answer within ${this.timeoutMs / 1000} s (or git could not start)`,
        { cause: error, details: { remote: this.remote, branch, timeout_ms: this.timeoutMs } },
      );
    }
  }

  /** A push that ended without the remote's answer for the branch: the remote was not reached. */
  private pushUnanswered(branch: string, push: GitCommandResult): HyperionError {
    const reason = printable(redactUrlCredentials(firstNonEmptyLine(push.stderr)));
    return new HyperionError(
      'remote_unavailable',
      `could not push to ${this.describe(branch)}: ${reason || `git push exited ${push.exitCode}`}`,
      { details: { remote: this.remote, branch, stderr: redactUrlCredentials(push.stderr) } },
    );
  }

  private pushRefused(
    branch: string,
    push: GitCommandResult,
    status: PushStatus | undefined,
    cause?: unknown,
  ): HyperionError {
    const words = status?.summary ?? firstNonEmptyLine(push.stderr);
    return new HyperionError(
      'git_failed',
      `the push to ${this.describe(branch)} was refused: ${printable(redactUrlCredentials(words)) || `git push exited ${push.exitCode}`}`,
      {
        cause,
        details: { remote: this.remote, branch, stderr: redactUrlCredentials(push.stderr) },
      },
    );
  }
}
