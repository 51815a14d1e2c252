import * as z from 'zod';
import { CommitIdSchema, IdentifierSchema } from './common.js';
import { RepoPathSchema } from './paths.js';

/**
 * One developer's assignment: a small, independent piece of a request with the files it owns.
 * Field names follow the original prototype's format.
 */
export const TaskAssignmentSchema = z
  .strictObject({
    task_id: IdentifierSchema.describe('Stable id of this assignment.'),
    parent_request_id: IdentifierSchema.describe('The request this assignment belongs to.'),
    summary: z.string().min(1).describe('What the developer should do.'),
    file_targets: z
      .array(RepoPathSchema)
      .min(1)
      .describe('The files this assignment owns; edits elsewhere are rejected.'),
    instructions: z.array(z.string()).default([]).describe('Instructions for the developer.'),
    checks: z
      .array(z.string().min(1))
      .optional()
      .describe('Check commands for this assignment (from config, plan or request).'),
    base_commit: CommitIdSchema.optional().describe('The commit the developer works on.'),
    phase: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Assignments of a later phase wait for earlier phases.'),
  })
  .describe('A developer assignment.');
/** One developer's assignment. */
export type TaskAssignment = z.infer<typeof TaskAssignmentSchema>;
