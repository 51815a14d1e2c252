import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { HarnessConformanceCheck } from '../conformance-context.js';
import { runWithBound } from '../run-with-bound.js';

/** The agent's writes land in the working directory and nothing outside it changes. */
export const writesCheck: HarnessConformanceCheck = {
  name: 'writes',
  description: 'writes inside the working directory and nowhere else',
  async run({ harness, options, request, workspace }) {
    const problems: string[] = [];
    const before = await workspace.snapshotOutside();
    const content = 'written by the agent\n';
    const run = await runWithBound(
      harness,
      request(options.scenarios.writeFile('src/written.txt', content), ['src/written.txt']),
      options.runBoundMs,
    );
    if (!run.ended) problems.push(run.reason);
    else if (run.result.status !== 'ok')
      problems.push(`writing a file ended with status ${run.result.status}`);
    const written = await readFile(join(workspace.workingDirectory, 'src/written.txt'), 'utf8').catch(
      () => undefined,
    );
    if (written !== content)
      problems.push('src/written.txt does not hold the content the agent was asked to write');
    const writeOutside = options.scenarios.writeOutside;
    if (writeOutside !== undefined) {
      const escape = '../outside/escaped.txt';
      const attempt = await runWithBound(
        harness,
        request(writeOutside(escape, 'escaped\n'), [escape]),
        options.runBoundMs,
      );
      if (!attempt.ended) problems.push(`trying to write outside: ${attempt.reason}`);
    }
    const after = await workspace.snapshotOutside();
    if (!isDeepStrictEqual(before, after)) {
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
        (path) => before.get(path) !== after.get(path),
      );
      problems.push(`files outside the working directory changed: ${changed.join(', ')}`);
    }
    return problems;
  },
};
