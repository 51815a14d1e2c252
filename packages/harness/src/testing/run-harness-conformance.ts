import { describe, expect, it } from 'vitest';
import { HARNESS_CONFORMANCE_CHECKS } from './checks/index.js';
import { runConformanceCheck } from './check-harness-conformance.js';
import type { CreateHarness, HarnessConformanceOptions } from './harness-conformance-options.js';

/**
 * Registers the conformance suite as vitest tests: one `describe` named after the harness, one
 * `it` per check. Call it at the top level of a test file.
 *
 * @example
 * runHarnessConformance('my harness', () => new MyHarness(), { scenarios: myScenarios });
 */
export function runHarnessConformance(
  name: string,
  createHarness: CreateHarness,
  options: HarnessConformanceOptions,
): void {
  const testTimeout =
    2 * (options.runBoundMs ?? 30_000) + (options.stopBoundMs ?? 5_000) + (options.timeoutMs ?? 300) + 10_000;
  describe(`harness conformance: ${name}`, () => {
    for (const check of HARNESS_CONFORMANCE_CHECKS) {
      it(
        check.description,
        async () => {
          expect(await runConformanceCheck(check, createHarness, options)).toEqual([]);
        },
        testTimeout,
      );
    }
  });
}
