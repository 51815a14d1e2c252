export * from './run-event-emitter.js';
export * from './run-deadline.js';
