import { fileURLToPath } from 'node:url';
import { runHarnessConformance } from '@hyperion/harness/testing';
import { JsonLinesHarness } from '../src/index.js';

const agent = fileURLToPath(new URL('./echo-agent.mjs', import.meta.url));

// The suite checks abort, timeout, event order, usage, structured output and writes, one test each.
runHarnessConformance('json-lines', () => new JsonLinesHarness({ command: [process.execPath, agent] }), {
  scenarios: {
    writeFile: (path, content) => ({ prompt: JSON.stringify({ write: { path, content } }) }),
    hang: () => ({ prompt: JSON.stringify({ wait: true }) }),
    structuredOutput: (value) => ({ prompt: JSON.stringify({ answer: value }) }),
    // No writeOutside: this harness does not claim to confine the agent process.
  },
});
