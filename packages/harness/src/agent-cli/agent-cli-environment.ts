import {
  buildAgentEnvironment,
  collectSecretValues,
  DEFAULT_ALLOWED_ENVIRONMENT,
  DEFAULT_SECRET_NAMES,
} from '../environment/index.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import type { AgentCliHarnessOptions } from './agent-cli-harness-options.js';
import type { AgentCliProfile } from './agent-cli-profile.js';

/** The environment of one agent CLI run, and the secret values to redact from what it reports. */
export interface AgentCliEnvironment {
  /** The complete environment of the CLI process. */
  environment: Record<string, string>;
  /** Values of every secret and credential variable, redacted from events, text and errors. */
  secretValues: string[];
}

/**
 * The minimal environment of an agent CLI: `PATH`, `HOME`, `LANG`, the CLI's own variables (its
 * credentials included: it cannot sign in without them), the allowed names, then the options' and
 * the request's variables. Every other secret name is left out.
 */
export function buildAgentCliEnvironment(
  profile: AgentCliProfile,
  options: AgentCliHarnessOptions,
  request: AgentRunRequest,
): AgentCliEnvironment {
  const base = options.baseEnvironment ?? process.env;
  const credentials = new Set(profile.credentialNames);
  const secretNames = options.secretNames ?? DEFAULT_SECRET_NAMES;
  const prefixed = Object.keys(base).filter((name) =>
    profile.environmentPrefixes.some((prefix) => name.startsWith(prefix)),
  );
  const environment = buildAgentEnvironment(base, {
    allow: [
      ...DEFAULT_ALLOWED_ENVIRONMENT,
      ...profile.environmentNames,
      ...prefixed,
      ...profile.credentialNames,
      ...(options.allowEnvironment ?? []),
    ],
    secretNames: secretNames.filter((name) => !credentials.has(name)),
    extra: { ...options.environment, ...request.environment },
  });
  const allSecretNames = [...new Set([...secretNames, ...profile.credentialNames])];
  return {
    environment,
    secretValues: collectSecretValues(allSecretNames, base, options.environment, request.environment),
  };
}
