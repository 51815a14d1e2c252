/**
 * The store conformance suite (run it with vitest against any `HyperionStore`) and the helpers its
 * cases use.
 *
 * @packageDocumentation
 * @module @hyperion/store/testing
 */
export { describeStoreConformance, type ConformanceContext } from './store-conformance.js';
export type { ConformanceStoreFactory, ConformanceStoreHandle } from './conformance-target.js';
export { conformanceEntry, landEntry, retryLater, seededRandom } from './conformance-entries.js';
export { runWorkerProcesses } from './concurrency-worker.js';
