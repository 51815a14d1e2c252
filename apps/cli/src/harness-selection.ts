import {
  DEFAULT_SECRET_NAMES,
  createDefaultHarnessRegistry,
  resolveHarnessId,
  withStubFallback,
  type AgentHarnessV1,
} from '@hyperion/harness';
import type { HyperionConfig } from '@hyperion/schema';

/**
 * The harness for agent roles: `--agent`, then `HYPERION_AGENT`, then the config, then the stub.
 * It is made with the config's agent options (command template, binary, model, timeout, credit
 * budget, environment names). Any agent but the stub falls back to the stub, recorded in the
 * result's `fallback`, when its output cannot be parsed.
 */
export function selectHarness(flag: string | undefined, config: HyperionConfig): AgentHarnessV1 {
  const id = resolveHarnessId({
    flag,
    environment: process.env['HYPERION_AGENT'],
    config: config.agent.name,
  });
  const harness = createDefaultHarnessRegistry().create(id, harnessOptions(id, config.agent));
  if (id === 'stub') return harness;
  return withStubFallback(withDefaultTimeout(harness, config.agent.timeout_ms));
}

function harnessOptions(id: string, agent: HyperionConfig['agent']): Record<string, unknown> {
  const secretNames = [...DEFAULT_SECRET_NAMES, ...agent.secret_env];
  const defined = (options: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  if (id === 'stub') return {};
  if (id === 'command') {
    return defined({
      command: agent.command,
      secretNames,
      allowEnvironment: agent.allowed_env,
      reportsUsage: agent.command_reports_usage,
    });
  }
  return defined({
    binary: agent.binary,
    model: agent.model,
    timeoutMs: agent.timeout_ms,
    maxCredits: agent.max_credits,
    secretNames,
    allowEnvironment: agent.allowed_env,
    ...(id === 'copilot' || id === 'claude' ? {} : { command: agent.command }),
  });
}

/** `harness` with `timeoutMs` as the wall-clock budget of runs whose request sets none. */
function withDefaultTimeout(harness: AgentHarnessV1, timeoutMs: number): AgentHarnessV1 {
  const budgeted = <T extends { budget?: { timeoutMs?: number } }>(request: T): T => ({
    ...request,
    budget: { timeoutMs, ...request.budget },
  });
  const wrapped: AgentHarnessV1 = {
    specificationVersion: harness.specificationVersion,
    harnessId: harness.harnessId,
    run: (request) => harness.run(budgeted(request)),
  };
  if (harness.resume !== undefined) {
    const resume = harness.resume.bind(harness);
    wrapped.resume = (sessionId, request) => resume(sessionId, budgeted(request));
  }
  return wrapped;
}

/**
 * The harness of the conflict tiers' resolver: `orchestrator.conflict_tiers.resolver.harness` (with
 * its own `command` template for the command harness) when set, else the agent roles' harness
 * ({@link selectHarness}).
 */
export function selectResolverHarness(flag: string | undefined, config: HyperionConfig): AgentHarnessV1 {
  const resolver = config.orchestrator.conflict_tiers.resolver;
  if (resolver.harness === undefined) return selectHarness(flag, config);
  const agent = { ...config.agent, ...(resolver.command === undefined ? {} : { command: resolver.command }) };
  const harness = createDefaultHarnessRegistry().create(
    resolver.harness,
    harnessOptions(resolver.harness, agent),
  );
  if (resolver.harness === 'stub') return harness;
  return withStubFallback(withDefaultTimeout(harness, config.agent.timeout_ms));
}
