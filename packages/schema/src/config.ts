import * as z from 'zod';
import { AlertTargetSchema } from './alerts-config.js';
import { DEFAULT_CHECK_ENVIRONMENT } from './environment/check-environment.js';
import { isSecretName } from './environment/secret-names.js';
import { remoteNameProblem } from './remote-name.js';
import { storeUrlProblem } from './store-url.js';
import { ConflictTiersConfigSchema } from './conflict-tiers-config.js';
import { PartialFailurePolicySchema, RequestBudgetSchema } from './request-budget.js';

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

const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What a check's environment holds: checks never inherit the worker's whole environment. */
export const CheckEnvironmentConfigSchema = z
  .strictObject({
    allow: z
      .array(
        z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/, 'must be a variable name, or a prefix ending in * (LC_*)'),
      )
      .default([...DEFAULT_CHECK_ENVIRONMENT])
      .describe(
        "Variables copied from the worker's environment into every check (this list replaces the default: keep PATH and HOME). A name ending in * is a prefix. Secret names are refused.",
      ),
    set: z
      .record(
        z.string().regex(ENVIRONMENT_NAME, 'must be a variable name (letters, digits, _)'),
        z.string().refine((value) => !value.includes('\0'), 'must not contain a NUL character'),
      )
      .default({})
      .describe('Literal variables set for every check, after the copied ones. Secret names are refused.'),
  })
  .superRefine((settings, context) => {
    // Checks never get a credential: say so instead of dropping the variable in silence.
    const refuse = (path: Array<string | number>, name: string): void =>
      context.addIssue({
        code: 'custom',
        path,
        message: `'${name}' is a secret name: checks never get credentials (promise 11)`,
      });
    settings.allow.forEach((name, index) => {
      if (!name.endsWith('*') && isSecretName(name)) refuse(['allow', index], name);
    });
    for (const name of Object.keys(settings.set)) if (isSecretName(name)) refuse(['set', name], name);
  })
  .describe(
    "The environment of every check: the allowed variables of the worker's environment plus literal ones, never a secret.",
  );
/** A check environment configuration. */
export type CheckEnvironmentConfig = z.infer<typeof CheckEnvironmentConfigSchema>;

/** The merge strategies a worker can follow. */
export const MERGE_STRATEGY_NAMES = ['adaptive', 'batch', 'serial'] as const;
/** The name of a merge strategy. */
export type MergeStrategyName = (typeof MERGE_STRATEGY_NAMES)[number];

/** How the queue groups entries into candidates, and whether it speculates. */
export const QueueStrategyConfigSchema = z
  .strictObject({
    name: z
      .enum(MERGE_STRATEGY_NAMES)
      .default('adaptive')
      .describe(
        'serial: one entry per candidate, one candidate in flight per branch. batch: up to max_batch path-disjoint entries checked together, landed with one compare-and-swap, bisected on red. adaptive: batch size from the recent failure rate (down to 1 as failures rise), speculative next candidates while failures are rare.',
      ),
    max_batch: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(8)
      .describe('Largest number of entries checked together in one candidate.'),
    batch_wait_ms: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('How long a worker waits for more entries to fill a batch before building it.'),
    flake_reruns: z
      .number()
      .int()
      .min(0)
      .max(3)
      .default(1)
      .describe(
        'Re-runs of a failed batch check on the same tree before its last entry is charged, when bisection found every other prefix green (a red verdict seen twice is not re-run); a pass after a failure is recorded as a flake and the batch lands.',
      ),
    culprit_hints: z
      .boolean()
      .default(true)
      .describe(
        "Whether a bisection first probes around the first entry a red check's output mentions outside its pass lines (a changed path, that file's stem as in `parser` for src/parser.ts when test/parser.test.ts fails, or its directory's name where the stem is short or generic; case ignored): the prefixes without and with it, which name the culprit in one round when the hint is right. Output naming more than half the entries points at none, and at most two rounds per red batch follow a hint. A hint only orders the probes; every verdict comes from a check that ran. Off: the probes split the range evenly.",
      ),
    bisect_concurrency: z
      .number()
      .int()
      .min(1)
      .max(4)
      .optional()
      .describe(
        "Bisection probes of a red batch checked at once, each in a worktree of the bisecting worker's own (a second one is made on first use): two probes leave a third of the batch where one leaves a half, one check run's time less per red batch for about 0.75 runs more. Never more than max_in_flight leaves beside the other workers' checks in flight. Default: 2, or 1 with one worker or max_in_flight 1.",
      ),
    max_in_flight: z
      .number()
      .int()
      .min(1)
      .max(256)
      .optional()
      .describe(
        "Most candidates checked at once per target branch (in one repository's object database), speculative ones and bisection probes included; a worker that would build one more waits. Default: the machine's available parallelism (os.availableParallelism()), since one more check than there are CPUs only slows the others down.",
      ),
  })
  .describe('Merge strategy: how entries are grouped into candidates.');
/** A merge strategy configuration with defaults filled in. */
export type QueueStrategyConfig = z.infer<typeof QueueStrategyConfigSchema>;

/** Settings of the merge queue. */
export const QueueConfigSchema = z
  .strictObject({
    max_attempts: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe(
        "Attempts before an entry is quarantined. Only the change's own failures (checks, apply) count; an attempt whose worker died is retried without using one.",
      ),
    max_lease_expiries: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(20)
      .describe(
        'Attempts that may end with the worker dying (lease expired) before the entry is quarantined as one that kills its worker.',
      ),
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
    allow_binary: z
      .boolean()
      .default(false)
      .describe('Accept binary patches (GIT binary patch, or text hunks with NUL bytes).'),
    strategy: QueueStrategyConfigSchema.default(QueueStrategyConfigSchema.parse({})),
  })
  .describe('Merge queue settings.');

/** Which agent harness runs the agent roles, and how. */
export const AgentConfigSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .default('stub')
      .describe('Harness id (stub, command, copilot, claude…); HYPERION_AGENT overrides.'),
    model: z.string().min(1).optional().describe('Model name passed to the agent.'),
    command: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe('Command template of the command harness ({prompt}, {files}, {model} placeholders).'),
    binary: z.string().min(1).optional().describe('Path of the agent CLI binary (default: found on PATH).'),
    timeout_ms: z.number().int().positive().default(600_000).describe('Wall-clock budget of one agent run.'),
    max_tokens: z.number().int().positive().optional().describe('Token budget of one agent run.'),
    max_credits: z.number().positive().optional().describe('Credit (or USD) budget of one agent run.'),
    secret_env: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Extra environment variable names that are secrets: never passed to agents or checks, and their values redacted from what is stored, logged or printed.',
      ),
    allowed_env: z
      .array(z.string().min(1))
      .default([])
      .describe('Environment variable names passed through to the agent process.'),
    command_reports_usage: z
      .boolean()
      .default(false)
      .describe(
        'The command agent prints its usage as JSON lines {"usage": {"input_tokens", "output_tokens", "cached_input_tokens", "cost_usd", "credits"}}: counted against the budgets, stopped when over.',
      ),
  })
  .describe('Agent harness settings.');

/** Which changes wait for a human's approval. */
export const PolicyConfigSchema = z
  .strictObject({
    risk_paths: z
      .array(z.string().min(1))
      .default([
        '.github/**',
        '.gitlab-ci.yml',
        '**/*.lock',
        '**/pnpm-lock.yaml',
        '**/package-lock.json',
        '**/migrations/**',
      ])
      .describe('Globs of high-risk paths (CI config, lockfiles, migrations…).'),
    max_changed_lines: z
      .number()
      .int()
      .positive()
      .default(400)
      .describe('More added+removed lines than this needs approval.'),
    deletions_need_approval: z.boolean().default(true).describe('File deletions need approval.'),
    binary_needs_approval: z
      .boolean()
      .default(true)
      .describe('Binary content, new or changed symlinks and gitlinks (submodules) need approval.'),
  })
  .describe('Risk policy: a matching change waits in awaiting_approval.');

/** How the orchestrator decomposes requests. */
export const OrchestratorConfigSchema = z
  .strictObject({
    max_files_per_assignment: z
      .number()
      .int()
      .positive()
      .default(5)
      .describe('Largest assignment, in files.'),
    group_by: z
      .enum(['file', 'directory'])
      .default('directory')
      .describe(
        'Grouping rule: one assignment per file, or per directory (split by max_files_per_assignment).',
      ),
    context_tokens: z
      .number()
      .int()
      .positive()
      .default(128_000)
      .describe("The developer model's context window, in tokens."),
    max_tokens_per_assignment: z
      .number()
      .int()
      .positive()
      .default(32_000)
      .describe("Token budget of one assignment's context (files plus instructions)."),
    developers: z.number().int().min(1).max(32).default(3).describe('Developers run at once.'),
    max_redispatch: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(2)
      .describe('Re-dispatches of a conflicted change to its developer.'),
    collisions: z
      .enum(['stack', 'wait', 'ignore'])
      .default('stack')
      .describe(
        'What an assignment does when entries queued or in flight touch its files: stack (start from the branch plus those entries, and land after them), wait (for them to land or fail, up to collision_wait_ms), or ignore (start from the branch).',
      ),
    collision_wait_ms: z
      .number()
      .int()
      .positive()
      .default(600_000)
      .describe('Longest wait of an assignment for the entries on its files, with collisions "wait".'),
    conflict_tiers: ConflictTiersConfigSchema.default(ConflictTiersConfigSchema.parse({})),
    request_budget: RequestBudgetSchema.optional().describe(
      'A budget over every agent run of each request (a request may set a smaller one).',
    ),
    on_partial_failure: PartialFailurePolicySchema.default('all_or_nothing').describe(
      "What a request does when some of its developers fail (a request's own on_partial_failure wins).",
    ),
  })
  .describe('Orchestrator policy.');

/**
 * Where the queue lives. Without `url` it is the SQLite file `.hyperion/hyperion.db` (or the file
 * `HYPERION_STORE_FILE` names); with it, the PostgreSQL database it names. `HYPERION_DATABASE_URL`
 * wins over `url`.
 */
export const StoreConfigSchema = z
  .strictObject({
    url: z
      .string()
      .superRefine((url, context) => {
        const problem = storeUrlProblem(url);
        if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(
        'A postgres:// or postgresql:// URL of the PostgreSQL database holding the queue (shared by every clone and host); HYPERION_DATABASE_URL overrides it. Prefer PGPASSWORD or ~/.pgpass to a password in this file.',
      ),
  })
  .describe('The queue store: SQLite by default, PostgreSQL when a URL is given.');

/** `.hyperion/config.json`. Unknown keys are an error. */
export const HyperionConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema for editors.'),
    target_branch: z.string().min(1).default('main').describe('The branch Hyperion lands on.'),
    remote: z
      .string()
      .superRefine((name, context) => {
        const problem = remoteNameProblem(name);
        if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(
        'The git remote (as named in this clone, e.g. origin) whose target_branch Hyperion lands on: each host has its own clone, fetches the tip and lands by a push that succeeds only if the remote branch still holds the commit it was built on. Without it Hyperion lands on the local branch.',
      ),
    store: StoreConfigSchema.optional(),
    workers: z
      .number()
      .int()
      .min(1)
      .max(32)
      .default(3)
      .describe('Concurrent workers of `hyperion worker` / `run`.'),
    checks: z.array(CheckConfigSchema).default([]).describe('Checks every entry must pass before it lands.'),
    check_environment: CheckEnvironmentConfigSchema.default(CheckEnvironmentConfigSchema.parse({})),
    queue: QueueConfigSchema.default(QueueConfigSchema.parse({})),
    apply: z
      .strictObject({
        mode: z
          .enum(['apply', 'dry-run'])
          .default('apply')
          .describe('dry-run checks everything but moves no ref.'),
      })
      .default({ mode: 'apply' }),
    agent: AgentConfigSchema.default(AgentConfigSchema.parse({})),
    policy: PolicyConfigSchema.default(PolicyConfigSchema.parse({})),
    orchestrator: OrchestratorConfigSchema.default(OrchestratorConfigSchema.parse({})),
    plan: z
      .strictObject({
        file: z
          .string()
          .min(1)
          .describe('The plan file (WORKPLAN.md format), relative to the repository root.'),
      })
      .optional()
      .describe('A plan that gates dispatch; its validation policy becomes the default checks.'),
    inbox: z
      .strictObject({
        directory: z
          .string()
          .min(1)
          .default('.hyperion/inbox')
          .describe('Watched directory of request files.'),
      })
      .default({ directory: '.hyperion/inbox' }),
    alerts: z
      .array(AlertTargetSchema)
      .default([])
      .describe(
        'Where to send an alert when an entry is quarantined or conflicted (optionally on every failed check): commands and webhooks, run by the worker process that saw the event.',
      ),
  })
  .describe('Hyperion configuration (.hyperion/config.json).');
/** Parsed configuration with defaults filled in. */
export type HyperionConfig = z.infer<typeof HyperionConfigSchema>;
/** Configuration as written in the file. */
export type HyperionConfigInput = z.input<typeof HyperionConfigSchema>;
