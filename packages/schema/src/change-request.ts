import * as z from 'zod';
import { RepoPathSchema } from './paths.js';
import { PrintableNameSchema } from './control-characters.js';
import { CommitIdSchema, FileOperationSchema, IdentifierSchema } from './common.js';

/** One file's part of a change: a unified diff for that file. */
export const FileChangeSchema = z
  .strictObject({
    path: RepoPathSchema.describe('The file changed, relative to the repository root.'),
    operation: FileOperationSchema.describe(
      "create, update or delete; add (the original prototype's name) is read as create.",
    ),
    patch: z.string().min(1).describe('Unified diff (git format) for this file.'),
    patch_hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be a lowercase sha256 hex digest')
      .optional()
      .describe('sha256 of `patch`; checked when present.'),
  })
  .describe('One file of a change request.');
/** One file's part of a change. */
export type FileChange = z.infer<typeof FileChangeSchema>;

/**
 * A change request: what a developer produced for one assignment, ready for the merge queue.
 * `checks` is accepted for compatibility with the prototype, but a submission never chooses the
 * commands that run: each listed check must be one the configuration already allows.
 */
export const ChangeRequestSchema = z
  .strictObject({
    change_id: IdentifierSchema.optional().describe('Stable id; generated when absent.'),
    task_id: IdentifierSchema.describe('The assignment this change implements.'),
    request_id: IdentifierSchema.optional().describe('The request the assignment belongs to.'),
    agent: PrintableNameSchema.describe('Who produced the change (no control characters).'),
    base_commit: CommitIdSchema.optional().describe('The commit the patch was made against.'),
    summary: z.string().optional().describe('Commit subject; derived from the task when absent.'),
    changes: z.array(FileChangeSchema).min(1, 'must list at least one file change'),
    checks: z.array(z.string().min(1)).optional().describe('Names or commands of allowed checks to run.'),
    priority: z
      .number()
      .int()
      .min(-1000)
      .max(1000)
      .optional()
      .describe('Queue priority; higher lands first.'),
  })
  .describe('A change request for the merge queue.');
/** A change request for the merge queue. */
export type ChangeRequest = z.infer<typeof ChangeRequestSchema>;
