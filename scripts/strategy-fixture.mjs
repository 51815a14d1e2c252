// The fixture of the strategy benchmark (scripts/bench-strategies.mjs): a small JavaScript project
// with a real test suite, and a seeded workload of change requests against it. Everything here is
// a pure function of its parameters (a seeded PRNG, no clock, no environment), so every strategy
// gets the same repository and the same changes, and every run of the bench the same workload.
//
// The project: `modules` files `src/mNNN.mjs`, each exporting four weights and a `checksum`
// function doing `rounds` steps of real arithmetic; `test/mNNN.test.mjs` pins the weights and the
// checksum on one line. `pairs` directories `src/pairK/` hold the two halves of a semantic conflict:
// `a.mjs` exports `LIMIT_K`, `b.mjs` does not use it yet. `test/run.mjs` imports every test file
// and runs it: the check, `node test/run.mjs`, really imports and computes everything.
//
// The changes (each one a ChangeRequest made against the start commit, with that base commit):
// - independent: a module's weight and its test's pinned line, both updated (passes);
// - textual conflict: the same two lines of a module an earlier independent change edits, with
//   another value (accepted with its base commit; conflicts when its turn comes);
// - broken: a module's weight changed without its test (fails its check);
// - semantic pair: `a.mjs` renames `LIMIT_K` to `MAX_K` (passes alone); `b.mjs` starts importing
//   `LIMIT_K` (passes alone); with both, `b.mjs` imports a name that no longer exists and the
//   suite fails. At most one half of a pair may land.

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Fisher–Yates with the given PRNG. */
function shuffle(items, random) {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other], copy[index]];
  }
  return copy;
}

const WEIGHT_NAMES = ['WEIGHT_A', 'WEIGHT_B', 'WEIGHT_C', 'WEIGHT_D'];

/**
 * The checksum every module computes, written once here and once (the same statements) in the
 * module template below; the generator uses it for the values the tests pin.
 */
export function checksum(weights, rounds) {
  const [a, b, c, d] = weights;
  let value = 2166136261;
  for (let step = 0; step < rounds; step += 1) {
    value ^= (step * a + b) & 0xff;
    value = Math.imul(value, 16777619) >>> 0;
    value = (value + c * (step % d)) >>> 0;
  }
  return value;
}

function moduleName(index) {
  return `m${String(index).padStart(3, '0')}`;
}

function moduleSource(name, weights, rounds) {
  return [
    `// ${name}: one module of the strategy benchmark's fixture project.`,
    ...weights.map((weight, index) => `export const ${WEIGHT_NAMES[index]} = ${weight};`),
    `export const ROUNDS = ${rounds};`,
    '',
    '/** A checksum over `rounds` steps seeded by the weights. */',
    'export function checksum(rounds = ROUNDS) {',
    '  let value = 2166136261;',
    '  for (let step = 0; step < rounds; step += 1) {',
    '    value ^= (step * WEIGHT_A + WEIGHT_B) & 0xff;',
    '    value = Math.imul(value, 16777619) >>> 0;',
    '    value = (value + WEIGHT_C * (step % WEIGHT_D)) >>> 0;',
    '  }',
    '  return value;',
    '}',
    '',
  ].join('\n');
}

function pinnedLine(weights, rounds) {
  const pinned = weights.map((weight, index) => `${WEIGHT_NAMES[index]}: ${weight}`).join(', ');
  return `const EXPECTED = { ${pinned}, checksum: ${checksum(weights, rounds)} };`;
}

function testSource(name, weights, rounds) {
  return [
    `import * as subject from '../src/${name}.mjs';`,
    '',
    `// What ${name} must export; one line, so one change edits one line of it.`,
    pinnedLine(weights, rounds),
    '',
    'export default function test(assert) {',
    `  for (const key of ${JSON.stringify(WEIGHT_NAMES)}) assert.equal(subject[key], EXPECTED[key], key);`,
    "  assert.equal(subject.checksum(), EXPECTED.checksum, 'checksum');",
    '}',
    '',
  ].join('\n');
}

function pairSourceA(pair, renamed) {
  const name = renamed ? `MAX_${pair}` : `LIMIT_${pair}`;
  return [
    `// pair${pair}/a: half of a semantic-conflict pair of the strategy benchmark.`,
    `export const ${name} = ${100 + pair};`,
    `export function limit() { return ${name}; }`,
    '',
    'export function label() {',
    `  return 'pair ${pair}';`,
    '}',
    '',
  ].join('\n');
}

function pairSourceB(pair, usesLimit) {
  return [
    usesLimit
      ? `import { LIMIT_${pair} } from './a.mjs';`
      : `// pair${pair}/b: the other half; it does not use a.mjs yet.`,
    '',
    '/** Twice the limit of a.mjs. */',
    'export function doubled() {',
    usesLimit ? `  return LIMIT_${pair} * 2;` : `  return ${2 * (100 + pair)};`,
    '}',
    '',
  ].join('\n');
}

function pairTestSource(pair) {
  return [
    `import { limit } from '../src/pair${pair}/a.mjs';`,
    `import { doubled } from '../src/pair${pair}/b.mjs';`,
    '',
    'export default function test(assert) {',
    `  assert.equal(limit(), ${100 + pair});`,
    `  assert.equal(doubled(), ${2 * (100 + pair)});`,
    '}',
    '',
  ].join('\n');
}

const RUNNER = `// The fixture's test suite: imports every test file and runs it. Exit code 1 on any failure.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';

const directory = new URL('.', import.meta.url);
const files = readdirSync(directory).filter((file) => file.endsWith('.test.mjs')).sort();
let failed = 0;
for (const file of files) {
  try {
    const test = (await import(new URL(file, directory).href)).default;
    test(assert);
  } catch (error) {
    failed += 1;
    console.error(\`FAIL \${file}: \${error instanceof Error ? error.message : String(error)}\`);
  }
}
console.log(\`\${files.length - failed} of \${files.length} test files passed\`);
process.exitCode = failed === 0 ? 0 : 1;
`;

/**
 * A unified diff (git format, three lines of context) turning `before` into `after` when they
 * differ in one contiguous block of lines, which is all the fixture's changes need.
 */
export function unifiedDiff(path, before, after) {
  const old = before.split('\n');
  const now = after.split('\n');
  // Both end with a newline: drop the empty string after the last one.
  old.pop();
  now.pop();
  let prefix = 0;
  while (prefix < old.length && prefix < now.length && old[prefix] === now[prefix]) prefix += 1;
  let suffix = 0;
  while (
    suffix < old.length - prefix &&
    suffix < now.length - prefix &&
    old[old.length - 1 - suffix] === now[now.length - 1 - suffix]
  ) {
    suffix += 1;
  }
  if (prefix === old.length && prefix === now.length) throw new Error(`no change to ${path}`);
  const start = Math.max(0, prefix - 3);
  const oldEnd = Math.min(old.length, old.length - suffix + 3);
  const newEnd = Math.min(now.length, now.length - suffix + 3);
  const lines = [
    ...old.slice(start, prefix).map((line) => ` ${line}`),
    ...old.slice(prefix, old.length - suffix).map((line) => `-${line}`),
    ...now.slice(prefix, now.length - suffix).map((line) => `+${line}`),
    ...old.slice(old.length - suffix, oldEnd).map((line) => ` ${line}`),
  ];
  const oldCount = oldEnd - start;
  const newCount = newEnd - start;
  return [
    `diff --git a/${path} b/${path}`,
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -${start + 1},${oldCount} +${start + 1},${newCount} @@`,
    ...lines,
    '',
  ].join('\n');
}

/**
 * How many changes of each kind a workload of `changes` changes at `failureRate` holds. The failure
 * rate is the share of changes that fail their check: broken changes and the losing half of each
 * semantic pair (the second of a pair to be checked fails, whichever it is) together.
 */
export function workloadMix({ changes, failureRate, textualRate = 0.1, semanticRate = 0.04 }) {
  const failing = Math.round(changes * failureRate);
  const pairs = Math.min(Math.round((changes * semanticRate) / 2), Math.floor(failing / 2));
  const broken = failing - pairs;
  const textual = Math.round(changes * textualRate);
  const independent = changes - broken - textual - 2 * pairs;
  if (independent < textual) {
    throw new Error(`a workload of ${changes} changes at ${failureRate} has too few independent edits`);
  }
  return { changes, broken, textual, semantic_pairs: pairs, independent };
}

/**
 * The fixture project and the workload: `files` (path → content) of the start commit and
 * `changes` in submission order, each `{ kind, request }` where `request` is a ChangeRequest
 * without its base commit (the caller adds the start commit's id) and `kind` is `independent`,
 * `textual`, `broken`, `semantic-rename` or `semantic-use` (with `pair`), `conflictsWith` naming
 * the task id a textual conflict collides with.
 */
export function generateWorkload({ seed, changes, failureRate, workUnits, textualRate, semanticRate }) {
  const random = seededRandom(seed);
  const mix = workloadMix({ changes, failureRate, textualRate, semanticRate });
  const moduleCount = mix.independent + mix.broken;
  const rounds = Math.max(1, Math.round(workUnits / moduleCount));
  const files = { 'package.json': '{ "name": "strategy-fixture", "private": true, "type": "module" }\n' };
  const weightsOf = [];
  for (let index = 0; index < moduleCount; index += 1) {
    const weights = WEIGHT_NAMES.map(() => 3 + Math.floor(random() * 60));
    weightsOf.push(weights);
    files[`src/${moduleName(index)}.mjs`] = moduleSource(moduleName(index), weights, rounds);
    files[`test/${moduleName(index)}.test.mjs`] = testSource(moduleName(index), weights, rounds);
  }
  for (let pair = 0; pair < mix.semantic_pairs; pair += 1) {
    files[`src/pair${pair}/a.mjs`] = pairSourceA(pair, false);
    files[`src/pair${pair}/b.mjs`] = pairSourceB(pair, false);
    files[`test/pair${pair}.test.mjs`] = pairTestSource(pair);
  }
  files['test/run.mjs'] = RUNNER;

  const fileChange = (path, after) => ({
    path,
    operation: 'update',
    patch: unifiedDiff(path, files[path], after),
  });
  /** Module `index` with weight `slot` set to `value`, with (or without) its test updated. */
  const weightEdit = (index, slot, value, withTest) => {
    const name = moduleName(index);
    const weights = weightsOf[index].map((weight, position) => (position === slot ? value : weight));
    const edits = [fileChange(`src/${name}.mjs`, moduleSource(name, weights, rounds))];
    if (withTest) edits.push(fileChange(`test/${name}.test.mjs`, testSource(name, weights, rounds)));
    return edits;
  };
  /** A weight value other than the `excluded` ones. */
  const otherValue = (...excluded) => {
    let value = excluded[0];
    while (excluded.includes(value)) value = 3 + Math.floor(random() * 60);
    return value;
  };

  // Kinds in a seeded order; a textual conflict needs an earlier independent edit to collide with.
  const kinds = shuffle(
    [
      ...Array(mix.independent).fill('independent'),
      ...Array(mix.broken).fill('broken'),
      ...Array(mix.textual).fill('textual'),
      ...Array.from({ length: mix.semantic_pairs }, (_, pair) => [
        { kind: 'semantic-rename', pair },
        { kind: 'semantic-use', pair },
      ]).flat(),
    ],
    random,
  );
  const modules = shuffle(
    Array.from({ length: moduleCount }, (_, index) => index),
    random,
  );
  const workload = [];
  const collidable = [];
  let deferred = 0;
  let sequence = 0;
  const taskId = (kind) => `sb-${String((sequence += 1)).padStart(3, '0')}-${kind}`;
  const addTextual = () => {
    const target = collidable.splice(Math.floor(random() * collidable.length), 1)[0];
    // Neither the start value nor the earlier change's: the 3-way merge must really conflict.
    const fresh = otherValue(target.value, weightsOf[target.index][target.slot]);
    const task = taskId('textual');
    workload.push({
      kind: 'textual',
      conflictsWith: target.task,
      request: {
        task_id: task,
        agent: 'strategy-bench',
        summary: `textual conflict with ${target.task}`,
        changes: weightEdit(target.index, target.slot, fresh, true),
      },
    });
  };
  for (const item of kinds) {
    if (item === 'textual') {
      if (collidable.length === 0) deferred += 1;
      else addTextual();
      continue;
    }
    if (item === 'independent' || item === 'broken') {
      const index = modules.pop();
      const slot = Math.floor(random() * WEIGHT_NAMES.length);
      const value = otherValue(weightsOf[index][slot]);
      const task = taskId(item);
      workload.push({
        kind: item,
        request: {
          task_id: task,
          agent: 'strategy-bench',
          summary: `${item === 'broken' ? 'break' : 'tune'} ${moduleName(index)} ${WEIGHT_NAMES[slot]}`,
          changes: weightEdit(index, slot, value, item === 'independent'),
        },
      });
      if (item === 'independent') {
        collidable.push({ task, index, slot, value });
        while (deferred > 0 && collidable.length > 0) {
          deferred -= 1;
          addTextual();
        }
      }
      continue;
    }
    const { kind, pair } = item;
    const path = kind === 'semantic-rename' ? `src/pair${pair}/a.mjs` : `src/pair${pair}/b.mjs`;
    const after = kind === 'semantic-rename' ? pairSourceA(pair, true) : pairSourceB(pair, true);
    workload.push({
      kind,
      pair,
      request: {
        task_id: taskId(kind === 'semantic-rename' ? 'rename' : 'use'),
        agent: 'strategy-bench',
        summary: kind === 'semantic-rename' ? `rename LIMIT_${pair}` : `use LIMIT_${pair} in b`,
        changes: [fileChange(path, after)],
      },
    });
  }
  if (deferred > 0) throw new Error('a textual conflict found no independent edit to collide with');
  return {
    files,
    changes: workload,
    mix: { ...mix, failure_rate: failureRate, modules: moduleCount, rounds },
  };
}
