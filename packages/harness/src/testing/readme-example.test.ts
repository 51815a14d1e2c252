import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

// Runs the "Write your own harness" example of the README as it is written, so it keeps passing
// the conformance suite: its imports of the package are pointed at the sources.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const example = /## Write your own harness[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
if (example === undefined) throw new Error('the README has no "Write your own harness" example');
const source = example
  .replaceAll(
    "'@hyperion/harness/testing'",
    JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url))),
  )
  .replaceAll("'@hyperion/harness'", JSON.stringify(fileURLToPath(new URL('../index.ts', import.meta.url))));
const directory = mkdtempSync(join(tmpdir(), 'hyperion-readme-example-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const file = join(directory, 'readme-example.ts');
writeFileSync(file, source);
await import(file);
