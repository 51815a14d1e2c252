import * as z from 'zod';
import { RepoPathSchema } from './paths.js';
import { TaskAssignmentSchema } from './task-assignment.js';
import { FileOperationSchema, IdentifierSchema } from './common.js';
import { PartialFailurePolicySchema, RequestBudgetSchema } from './request-budget.js';

/**
 * One change a human asks for. `summary` says what; `diff` (a unified diff for this file) or
 * `content` (the full new content) are explicit edits that the deterministic stub developer can
 * apply. Without either, only a model-backed developer can write the change.
 */
export const RequestedChangeSchema = z
  .strictObject({
    path: RepoPathSchema.describe('The file to change, relative to the repository root.'),
    summary: z.string().min(1).optional().describe('What should change in this file.'),
    operation: FileOperationSchema.optional().describe(
      'create, update or delete; add is read as create. Inferred when absent: a path that does not exist at the base commit is created.',
    ),
    diff: z.string().min(1).optional().describe('An explicit unified diff for this file.'),
    content: z.string().optional().describe('The full new content of the file.'),
    phase: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .optional()
      .describe(
        'Order of this change: changes of a later phase start from the result of the earlier phases (none: phase 0).',
      ),
  })
  .refine((change) => !(change.diff !== undefined && change.content !== undefined), {
    message: 'give either diff or content, not both',
    path: ['diff'],
  });
/** One change a human asks for. */
export type RequestedChange = z.infer<typeof RequestedChangeSchema>;

/**
 * A human's task request (the original prototype's format, plus optional explicit edits).
 */
export const TaskRequestSchema = z
  .strictObject({
    request_id: IdentifierSchema.optional().describe('Stable id; generated when absent.'),
    summary: z.string().trim().min(1, 'must not be empty').describe('What the request is for.'),
    description: z.string().optional().describe('Longer context for the agents.'),
    requested_changes: z.array(RequestedChangeSchema).default([]).describe('The changes asked for.'),
    assignments: z
      .array(TaskAssignmentSchema)
      .optional()
      .describe('Assignments already decomposed by the requester (prototype format).'),
    checks: z
      .array(z.string().min(1))
      .optional()
      .describe('Check commands for this request (trusted: a human wrote them).'),
    target_branch: z
      .string()
      .min(1)
      .optional()
      .describe('Branch to land on; the config default when absent.'),
    priority: z
      .number()
      .int()
      .min(-1000)
      .max(1000)
      .optional()
      .describe('Queue priority; higher lands first.'),
    budget: RequestBudgetSchema.optional().describe(
      'A budget over every agent run of this request; the configured orchestrator.request_budget caps it.',
    ),
    on_partial_failure: PartialFailurePolicySchema.optional().describe(
      'What happens when some developers fail (default: orchestrator.on_partial_failure).',
    ),
  })
  .describe('A task request from a human.');
/** A human's task request. */
export type TaskRequest = z.infer<typeof TaskRequestSchema>;
/** A task request as written in a file, before defaults. */
export type TaskRequestInput = z.input<typeof TaskRequestSchema>;
