import * as z from 'zod';

/** The resolver tier: an agent that edits the conflicted files' markers away. */
export const ResolverTierConfigSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Try the resolver agent before re-dispatching the developer.'),
    harness: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Harness id of the resolver (stub, command, copilot, claude…); the agent's harness (agent.name, HYPERION_AGENT) when absent. The stub resolves nothing.",
      ),
    command: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe(
        'Command template of a command-harness resolver ({prompt}, {files}, {model} placeholders); agent.command when absent.',
      ),
    max_attempts: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(1)
      .describe('Resolver runs per assignment (0 turns the tier off).'),
  })
  .describe(
    "The resolver tier: an agent gets the conflicted files with their markers, both sides and the change's intent, and may edit only those files.",
  );
/** The resolver tier's settings with defaults filled in. */
export type ResolverTierConfig = z.infer<typeof ResolverTierConfigSchema>;

/** The re-dispatch tier: the developer runs the whole assignment again on the new tip. */
export const RedispatchTierConfigSchema = z
  .strictObject({
    max_attempts: z
      .number()
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe(
        'Re-dispatches per assignment (0 turns the tier off); orchestrator.max_redispatch when absent.',
      ),
  })
  .describe('The re-dispatch tier: the developer runs the assignment again on the new tip.');
/** The re-dispatch tier's settings. */
export type RedispatchTierConfig = z.infer<typeof RedispatchTierConfigSchema>;

/**
 * What happens to a pipeline change that conflicts after the queue's own 3-way merge, tier by
 * tier: the resolver agent, then re-dispatch of the developer, then quarantine with the report of
 * every tier.
 */
export const ConflictTiersConfigSchema = z
  .strictObject({
    resolver: ResolverTierConfigSchema.default(ResolverTierConfigSchema.parse({})),
    redispatch: RedispatchTierConfigSchema.default(RedispatchTierConfigSchema.parse({})),
  })
  .describe('Conflict tiers after the 3-way merge: resolver agent, re-dispatch, quarantine.');
/** The conflict tiers' settings with defaults filled in. */
export type ConflictTiersConfig = z.infer<typeof ConflictTiersConfigSchema>;
