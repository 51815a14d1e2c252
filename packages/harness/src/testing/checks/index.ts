import type { HarnessConformanceCheck } from '../conformance-context.js';
import { abortCheck } from './abort-check.js';
import { eventsCheck } from './events-check.js';
import { structuredOutputCheck } from './structured-output-check.js';
import { timeoutCheck } from './timeout-check.js';
import { usageCheck } from './usage-check.js';
import { writesCheck } from './writes-check.js';

export { CONFORMANCE_OUTPUT_SCHEMA } from './structured-output-check.js';

/** Every check of the conformance suite, in the order it runs them. */
export const HARNESS_CONFORMANCE_CHECKS: readonly HarnessConformanceCheck[] = [
  abortCheck,
  timeoutCheck,
  eventsCheck,
  usageCheck,
  structuredOutputCheck,
  writesCheck,
];
