import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';

/**
 * Checks `condition` every 20 ms until it holds, for 10 s at most, then asserts it: a test that
 * waits for another worker's step fails with an expectation, not a timeout of the whole test.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let round = 0; round < 500 && !(await condition()); round += 1) await sleep(20);
  expect(await condition()).toBe(true);
}
