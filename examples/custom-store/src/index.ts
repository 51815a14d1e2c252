export { CountingStore } from './counting-store.js';
export { openCountingStore } from './open-counting-store.js';
