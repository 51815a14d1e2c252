export { describeStoreConformance, type ConformanceContext } from './store-conformance.js';
export type { ConformanceStoreFactory, ConformanceStoreHandle } from './conformance-target.js';
export { conformanceEntry, landEntry, retryLater, seededRandom } from './conformance-entries.js';
export { runWorkerProcesses } from './concurrency-worker.js';
