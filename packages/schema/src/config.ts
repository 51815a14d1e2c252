import { z } from 'zod';

/** A check command the queue runs on the exact tree it is about to land. */
export const CheckConfigSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9:._-]*$/, 'must be a short name (letters, digits, : . _ -)')
      .describe('Short name, used in submissions and reports.'),
    command: z.string().min(1).describe('Shell command, run in the worker worktree.'),
    timeout_ms: z.number().int().positive().default(600_000).describe('Killed after this long.'),
    retries: z
      .number()
      .int()
      .min(0)
      .max(5)
      .default(0)
      .describe('Extra runs on the same tree after a failure (flake detection).'),
  })
  .describe('A configured check.');
/** A configured check. */
export type CheckConfig = z.infer<typeof CheckConfigSchema>;

/** Settings of the merge queue. */
export const QueueConfigSchema = z
  .strictObject({
    max_attempts: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe('Attempts before an entry is quarantined.'),
    lease_ms: z
      .number()
      .int()
      .min(1_000)
      .default(120_000)
      .describe('How long a lease lasts without a heartbeat.'),
    heartbeat_ms: z.number().int().min(100).default(10_000).describe('How often a worker renews its lease.'),
    backoff_base_ms: z
      .number()
      .int()
      .min(0)
      .default(1_000)
      .describe('First retry delay; doubles each attempt.'),
    backoff_max_ms: z.number().int().min(0).default(60_000).describe('Cap of the retry delay.'),
    poll_ms: z.number().int().min(10).default(500).describe('How often an idle worker looks for work.'),
    max_patch_bytes: z.number().int().positive().default(1_000_000).describe('Largest accepted patch.'),
    allow_binary: z.boolean().default(false).describe('Accept binary patches.'),
  })
  .describe('Merge queue settings.');

/** `.hyperion/config.json`. Unknown keys are an error. */
export const HyperionConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema for editors.'),
    target_branch: z.string().min(1).default('main').describe('The branch Hyperion lands on.'),
    workers: z
      .number()
      .int()
      .min(1)
      .max(32)
      .default(3)
      .describe('Concurrent workers of `hyperion worker` / `run`.'),
    checks: z.array(CheckConfigSchema).default([]).describe('Checks every entry must pass before it lands.'),
    queue: QueueConfigSchema.default(QueueConfigSchema.parse({})),
    apply: z
      .strictObject({
        mode: z
          .enum(['apply', 'dry-run'])
          .default('apply')
          .describe('dry-run checks everything but moves no ref.'),
      })
      .default({ mode: 'apply' }),
    agent: z
      .strictObject({
        name: z
          .string()
          .min(1)
          .default('stub')
          .describe('Harness used for agent roles (HYPERION_AGENT overrides).'),
      })
      .default({ name: 'stub' }),
  })
  .describe('Hyperion configuration (.hyperion/config.json).');
/** Parsed configuration with defaults filled in. */
export type HyperionConfig = z.infer<typeof HyperionConfigSchema>;
/** Configuration as written in the file. */
export type HyperionConfigInput = z.input<typeof HyperionConfigSchema>;
