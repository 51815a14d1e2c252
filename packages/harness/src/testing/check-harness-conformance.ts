import { HARNESS_CONFORMANCE_CHECKS } from './checks/index.js';
import type { ConformanceContext, HarnessConformanceCheck } from './conformance-context.js';
import { createConformanceWorkspace } from './conformance-workspace.js';
import type {
  CreateHarness,
  HarnessConformanceFailure,
  HarnessConformanceOptions,
} from './harness-conformance-options.js';

/**
 * Runs one conformance check against a fresh harness in a fresh temporary workspace, which is
 * removed afterwards. Resolves to the problems found.
 */
export async function runConformanceCheck(
  check: HarnessConformanceCheck,
  createHarness: CreateHarness,
  options: HarnessConformanceOptions,
): Promise<string[]> {
  const workspace = await createConformanceWorkspace();
  try {
    const settings: ConformanceContext['options'] = {
      scenarios: options.scenarios,
      role: options.role,
      stopBoundMs: options.stopBoundMs ?? 5_000,
      timeoutMs: options.timeoutMs ?? 300,
      abortAfterMs: options.abortAfterMs ?? 200,
      runBoundMs: options.runBoundMs ?? 30_000,
    };
    const context: ConformanceContext = {
      harness: await createHarness(),
      workspace,
      options: settings,
      request: (part, filesInScope = []) => ({
        role: settings.role ?? 'developer',
        prompt: 'Hyperion harness conformance check',
        workingDirectory: workspace.workingDirectory,
        filesInScope,
        ...part,
      }),
    };
    return await check.run(context);
  } finally {
    await workspace.remove();
  }
}

/**
 * Runs the conformance suite without a test framework and resolves to every failure (an empty
 * list when the harness conforms). `only` limits it to the named checks.
 */
export async function checkHarnessConformance(
  createHarness: CreateHarness,
  options: HarnessConformanceOptions,
  only?: readonly string[],
): Promise<HarnessConformanceFailure[]> {
  const failures: HarnessConformanceFailure[] = [];
  for (const check of HARNESS_CONFORMANCE_CHECKS) {
    if (only !== undefined && !only.includes(check.name)) continue;
    const problems = await runConformanceCheck(check, createHarness, options);
    failures.push(...problems.map((message) => ({ check: check.name, message })));
  }
  return failures;
}
