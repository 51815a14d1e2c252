import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TaskRequest } from '@hyperion/schema';

/** The files of the demo repository: a tiny calculator library with a real `node --test` suite. */
export const DEMO_FILES: Record<string, string> = {
  'package.json': `${JSON.stringify({ name: 'demo-calculator', private: true, type: 'module', scripts: { test: 'node --test' } }, null, 2)}\n`,
  'README.md': '# Demo calculator\n\nA tiny library that the Hyperion demo changes.\n',
  'src/calculator.js': [
    'export function add(a, b) {',
    '  return a + b;',
    '}',
    '',
    'export function subtract(a, b) {',
    '  return a - b;',
    '}',
    '',
  ].join('\n'),
  'src/version.js': "export const VERSION = '1.0.0';\n",
  'test/calculator.test.js': [
    "import { test } from 'node:test';",
    "import assert from 'node:assert/strict';",
    "import { add, subtract } from '../src/calculator.js';",
    '',
    "test('add', () => assert.equal(add(2, 3), 5));",
    "test('subtract', () => assert.equal(subtract(5, 3), 2));",
    '',
  ].join('\n'),
  'test/version.test.js': [
    "import { test } from 'node:test';",
    "import assert from 'node:assert/strict';",
    "import { VERSION } from '../src/version.js';",
    '',
    "test('VERSION is semantic', () => assert.match(VERSION, /^\\d+\\.\\d+\\.\\d+$/));",
    '',
  ].join('\n'),
};

/** Writes the demo files under `root`. */
export function writeDemoFiles(root: string): void {
  for (const [path, content] of Object.entries(DEMO_FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** An explicit unified diff adding `divide` to the calculator (the stub applies it with git apply). */
const DIVIDE_DIFF = [
  '--- a/src/calculator.js',
  '+++ b/src/calculator.js',
  '@@ -5,3 +5,10 @@ export function add(a, b) {',
  ' export function subtract(a, b) {',
  '   return a - b;',
  ' }',
  '+',
  '+export function divide(a, b) {',
  '+  if (b === 0) {',
  "+    throw new RangeError('division by zero');",
  '+  }',
  '+  return a / b;',
  '+}',
  '',
].join('\n');

/**
 * The demo's request: four independent changes, one of which (the version bump to a non-semantic
 * version) fails the repository's own tests and must be quarantined, never landed.
 */
export const DEMO_REQUEST: TaskRequest = {
  request_id: 'DEMO-1',
  summary: 'Grow the demo calculator and document it',
  requested_changes: [
    {
      path: 'README.md',
      operation: 'update',
      summary: 'Document the functions',
      content: `${DEMO_FILES['README.md']}\n## Functions\n\n- \`add(a, b)\`, \`subtract(a, b)\`, \`divide(a, b)\`\n- \`multiply(a, b)\` in \`src/multiply.js\`\n`,
    },
    {
      path: 'src/calculator.js',
      operation: 'update',
      summary: 'Add divide with a zero check',
      diff: DIVIDE_DIFF,
    },
    {
      path: 'src/multiply.js',
      operation: 'create',
      summary: 'Add multiply',
      content: 'export function multiply(a, b) {\n  return a * b;\n}\n',
    },
    {
      path: 'src/version.js',
      operation: 'update',
      summary: 'Mark the version as a preview (breaks the version test)',
      content: "export const VERSION = 'next-preview';\n",
    },
  ],
};
