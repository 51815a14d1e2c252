import { HyperionError } from '@hyperion/schema';
import * as z from 'zod';
import type { AgentCliHarnessOptions } from '../agent-cli/agent-cli-harness-options.js';

const AgentCliFactoryOptionsSchema = z.object({
  binary: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  baseEnvironment: z.record(z.string(), z.string().optional()).optional(),
  allowEnvironment: z.array(z.string()).optional(),
  secretNames: z.array(z.string()).optional(),
  timeoutMs: z.number().int().positive().optional(),
  maxCredits: z.number().positive().optional(),
  killGraceMs: z.number().int().min(0).optional(),
  extraArguments: z.array(z.string()).optional(),
});

/**
 * Reads registry options for an agent CLI harness.
 * @throws HyperionError `invalid_input` naming the field that is wrong.
 */
export function parseAgentCliFactoryOptions(
  harnessId: string,
  options: Record<string, unknown> | undefined,
): AgentCliHarnessOptions {
  const parsed = AgentCliFactoryOptionsSchema.safeParse(options ?? {});
  if (parsed.success) return parsed.data as AgentCliHarnessOptions;
  const issue = parsed.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  throw new HyperionError(
    'invalid_input',
    `invalid options for the ${harnessId} agent: ${path === '' ? '' : `${path}: `}${issue?.message ?? 'invalid'}`,
    { details: { harnessId, path } },
  );
}
