import { randomBytes } from 'node:crypto';
import { HyperionError, IdentifierSchema, type ChangeRequest, type HyperionConfig } from '@hyperion/schema';
import { joinPatches, parsePatch, sha256Hex, unsafeSymlinkTargetReason } from '@hyperion/git';
import type { NewQueueEntry } from '@hyperion/store';
import type { ParsedPatchFile } from '@hyperion/git';
import { riskReasons } from './risk-policy.js';
import { ROLLBACK_TASK_PREFIX } from './rollback.js';

/** Where a submission came from, for the `entry:enqueued` event and the entry's fields. */
export interface SubmissionContext {
  /** The configuration in force. */
  config: HyperionConfig;
  /** The request the change belongs to, when it came through the pipeline. */
  requestId?: string | null;
  /** Priority override (`submit --priority`). */
  priority?: number;
  /** Extra data for the `entry:enqueued` event (the source, the submitting command…). */
  eventData?: Record<string, unknown>;
  /** Skip the risk policy (rollbacks: the change being undone was already approved or low-risk). */
  skipRiskPolicy?: boolean;
  /**
   * Set by {@link MergeQueue.rollback} only: the change this submission reverts. Its task id is then
   * `rollback:<revertOf>`, the one task id that is not an identifier; no submitter can write it.
   */
  revertOf?: string;
  /**
   * Entries this submission was made on top of (the orchestrator's projected tip): it is stored
   * stacked on them (`depends_on`), lands after them, and conflicts if one of them does not land.
   */
  dependsOn?: readonly string[];
}

/** A new, random change id. */
export function newChangeId(): string {
  return `chg-${randomBytes(6).toString('hex')}`;
}

/**
 * Refuses a task or request id that is not an identifier (letters, digits, `.`, `_`, `-`): ids go
 * into commit trailers, so a line break or a `:` must fail here, not at commit time. A revert made
 * by Hyperion itself carries the task id `rollback:<the change it reverts>`.
 */
function checkIds(change: ChangeRequest, context: SubmissionContext): void {
  const ids: Array<[string, string | null | undefined]> = [
    ['request_id', context.requestId ?? change.request_id],
    ['change_id', change.change_id],
  ];
  if (context.revertOf === undefined) ids.push(['task_id', change.task_id]);
  else if (change.task_id !== `${ROLLBACK_TASK_PREFIX}${context.revertOf}`) {
    reject(
      'task_id',
      `a revert of ${context.revertOf} must have the task id '${ROLLBACK_TASK_PREFIX}${context.revertOf}'`,
    );
  } else ids.push(['revertOf', context.revertOf]);
  for (const [field, value] of ids) {
    if (value === undefined || value === null) continue;
    const checked = IdentifierSchema.safeParse(value);
    if (!checked.success) {
      reject(
        field,
        `${checked.error.issues[0]?.message ?? 'is not an identifier'} (got ${JSON.stringify(value)})`,
      );
    }
  }
}

/** Refuses a submission: one error naming `field`, with its code (`invalid_input` by default). */
export function reject(
  field: string,
  message: string,
  code: 'invalid_input' | 'unsafe_path' = 'invalid_input',
): never {
  throw new HyperionError(code, `${field}: ${message}`, { details: { field } });
}

/**
 * Validates a change request against the rules a queue enforces before anything is stored: its
 * task, request and change ids are identifiers, every file patch parses with line ranges, names
 * the path it claims, matches its declared operation and hash, stays within the size limit, is not
 * binary (NUL bytes included) unless allowed, creates no symlink pointing outside the repository,
 * and any `checks` it lists are configured checks (a submission never chooses the commands that run).
 * Returns the queue entry to store: `awaiting_approval` when the risk policy matches (the
 * reasons go into the `entry:enqueued` event), `queued` otherwise.
 */
export function prepareSubmission(change: ChangeRequest, context: SubmissionContext): NewQueueEntry {
  const { config } = context;
  checkIds(change, context);
  const seenPaths = new Set<string>();
  const paths: string[] = [];
  const parsedFiles: ParsedPatchFile[] = [];
  change.changes.forEach((fileChange, index) => {
    const field = `changes[${index}]`;
    let parsed;
    try {
      parsed = parsePatch(fileChange.patch);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const unsafe = HyperionError.isInstance(error) && error.code === 'unsafe_path';
      reject(`${field}.patch`, message, unsafe ? 'unsafe_path' : 'invalid_input');
    }
    if (parsed.length !== 1)
      reject(`${field}.patch`, `must describe exactly one file, found ${parsed.length}`);
    const file = parsed[0]!;
    parsedFiles.push(file);
    for (const patchPath of [file.oldPath, file.newPath]) {
      if (patchPath !== undefined && patchPath !== fileChange.path) {
        reject(
          `${field}.patch`,
          `the patch edits '${patchPath}' but the change names '${fileChange.path}'`,
          'unsafe_path',
        );
      }
    }
    if (file.operation !== fileChange.operation) {
      reject(
        `${field}.operation`,
        `is '${fileChange.operation}' but the patch is a${file.operation === 'update' ? 'n' : ''} ${file.operation}`,
      );
    }
    if (fileChange.patch_hash !== undefined && fileChange.patch_hash !== sha256Hex(fileChange.patch)) {
      reject(`${field}.patch_hash`, 'does not match the sha256 of the patch');
    }
    const symlinkProblem =
      file.newMode === 'symlink' ? unsafeSymlinkTargetReason(file.path, file.symlinkTarget ?? '') : undefined;
    if (symlinkProblem !== undefined) reject(`${field}.patch`, symlinkProblem, 'unsafe_path');
    if ((file.binary || file.nulBytes) && !config.queue.allow_binary) {
      const what = file.binary
        ? 'is a binary patch'
        : 'adds content with NUL bytes, which git treats as binary';
      reject(`${field}.patch`, `${what}; set queue.allow_binary to accept binary patches`);
    }
    if (seenPaths.has(fileChange.path))
      reject(`${field}.path`, `'${fileChange.path}' appears twice in this change`);
    seenPaths.add(fileChange.path);
    paths.push(fileChange.path);
  });
  const patch = joinPatches(change.changes.map((fileChange) => fileChange.patch));
  const patchBytes = Buffer.byteLength(patch, 'utf8');
  if (patchBytes > config.queue.max_patch_bytes) {
    reject(
      'changes',
      `the patch is ${patchBytes} bytes, over the limit of ${config.queue.max_patch_bytes} (queue.max_patch_bytes)`,
    );
  }
  const configured = new Map(config.checks.map((check) => [check.name, check]));
  const commands = new Map(config.checks.map((check) => [check.command, check]));
  (change.checks ?? []).forEach((requested, index) => {
    if (!configured.has(requested) && !commands.has(requested)) {
      reject(
        `checks[${index}]`,
        `'${requested}' is not a configured check; checks come from the configuration, the approved plan or the assignment, never from a submission (configured: ${[...configured.keys()].join(', ') || 'none'})`,
      );
    }
  });
  const risk = context.skipRiskPolicy === true ? [] : riskReasons(parsedFiles, config.policy);
  return {
    id: change.change_id ?? newChangeId(),
    task_id: change.task_id,
    request_id: context.requestId ?? change.request_id ?? null,
    agent: change.agent,
    summary: change.summary ?? `${change.task_id}: ${paths.join(', ')}`,
    priority: context.priority ?? change.priority ?? 0,
    max_attempts: config.queue.max_attempts,
    target_branch: config.target_branch,
    paths,
    patch,
    patch_hash: sha256Hex(patch),
    base_commit: change.base_commit ?? null,
    checks: config.checks.map((check) => check.name),
    change_request: change,
    state: risk.length > 0 ? 'awaiting_approval' : 'queued',
    event_data: { ...context.eventData, ...(risk.length > 0 ? { risk } : {}) },
    ...(context.dependsOn === undefined || context.dependsOn.length === 0
      ? {}
      : { depends_on: [...new Set(context.dependsOn)] }),
  };
}
