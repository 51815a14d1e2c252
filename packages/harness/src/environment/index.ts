/**
 * The environment utilities live in `@hyperion/schema` (the queue needs them for checks and may not
 * import the harness); the harness re-exports them under its historical names.
 */
export {
  DEFAULT_ALLOWED_ENVIRONMENT,
  DEFAULT_SECRET_NAMES,
  REDACTED,
  collectSecretValues,
  redactSecrets,
  redactSecretsDeep,
} from '@hyperion/schema';
import { buildMinimalEnvironment, type MinimalEnvironmentOptions } from '@hyperion/schema';

/** Which variables {@link buildAgentEnvironment} keeps. */
export type AgentEnvironmentOptions = MinimalEnvironmentOptions;

/**
 * The minimal environment of an agent process: only the allowed variables of `base`, then `extra`,
 * with every secret name removed. The same function as `buildMinimalEnvironment` of
 * `@hyperion/schema`.
 */
export const buildAgentEnvironment: typeof buildMinimalEnvironment = buildMinimalEnvironment;
