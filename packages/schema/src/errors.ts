const HYPERION_ERROR_MARKER = Symbol.for('hyperion.error');

/**
 * The fixed set of error codes. Codes are stable: programs match on them, and the CLI maps each
 * one to an exit status (see the README's table).
 */
export const HYPERION_ERROR_CODES = [
  /** Input could not be read as JSON. */
  'invalid_json',
  /** Input was JSON but broke a schema rule; the message names the field path. */
  'schema_violation',
  /** A configuration file named a key Hyperion does not know. */
  'unknown_config_key',
  /** A path was absolute, contained `..`, pointed under `.git/` or escaped through a symlink. */
  'unsafe_path',
  /** Any other invalid input (a bad flag value, a patch without line ranges, …). */
  'invalid_input',
  /** A patch does not apply to the tree it was meant for. */
  'patch_does_not_apply',
  /** The same change was submitted before. */
  'duplicate',
  /** The repository directory does not exist or is not a git repository. */
  'repo_not_found',
  /** The target branch does not exist. */
  'branch_not_found',
  /** `.hyperion/` has not been created in the repository (run `hyperion init`). */
  'not_initialized',
  /** The store file is missing or empty (zero bytes, or a SQLite file without Hyperion's tables). */
  'store_missing',
  /** The store file is not a SQLite database, is damaged, or is not (or no longer) Hyperion's. */
  'store_corrupt',
  /** A database store (PostgreSQL) cannot be reached: refused, unknown host, timed out, connection lost. */
  'store_unreachable',
  /** A file or directory Hyperion must write is read-only (permissions or a read-only file system). */
  'permission_denied',
  /** No object with the given id exists. */
  'not_found',
  /** The operation is not allowed in the object's current state. */
  'invalid_state',
  /** The deterministic stub agent cannot produce the requested change. */
  'stub_cannot_write',
  /** An agent run failed or produced unusable output. */
  'agent_failed',
  /** An optional capability was called on an implementation that does not provide it. */
  'unsupported',
  /** A lease was lost to another worker (it expired and was taken again). */
  'lease_lost',
  /** A git command failed unexpectedly. */
  'git_failed',
  /** The git remote Hyperion lands on cannot be reached or did not answer in time (not the change's fault). */
  'remote_unavailable',
  /** A shipped event-log segment is missing, out of order, truncated or corrupted (`log restore`, `log ship`). */
  'log_segment_invalid',
  /** A request spent its budget (tokens, credits or wall time over all its agent runs). */
  'budget_exceeded',
  /** Some entries did not land (used by `--wait`). */
  'not_landed',
  /** The command line was wrong: an unknown command or option, a missing argument, a bad option value. */
  'usage',
  /** A bug: anything not covered above. */
  'internal',
] as const;

/** One of {@link HYPERION_ERROR_CODES}. */
export type HyperionErrorCode = (typeof HYPERION_ERROR_CODES)[number];

/** Options accepted by the {@link HyperionError} constructor. */
export interface HyperionErrorOptions {
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
  /** Machine-readable details (field paths, file names, command output…). */
  details?: Record<string, unknown>;
}

/**
 * The one error base class of Hyperion. Every error a Hyperion package throws on purpose is a
 * `HyperionError` with a stable {@link HyperionErrorCode}; its message is one clear line.
 */
export class HyperionError extends Error {
  private readonly [HYPERION_ERROR_MARKER] = true;
  /** The stable code of this error. */
  readonly code: HyperionErrorCode;
  /** Machine-readable details, safe to print as JSON. */
  readonly details: Record<string, unknown>;

  constructor(code: HyperionErrorCode, message: string, options: HyperionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HyperionError';
    this.code = code;
    this.details = options.details ?? {};
  }

  /**
   * True when `error` is a HyperionError, even one created by another copy of this package
   * (the check uses a global symbol, not `instanceof`).
   */
  static isInstance(error: unknown): error is HyperionError {
    return typeof error === 'object' && error !== null && HYPERION_ERROR_MARKER in error;
  }

  /** A plain object for `--json` output and logs. */
  toJSON(): { code: HyperionErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}
