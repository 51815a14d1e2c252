export * from './scripted-turn.js';
export * from './start-scripted-model-server.js';
export { findWorkingDirectory } from './working-directory.js';
export * from './prompt-directed-script.js';
