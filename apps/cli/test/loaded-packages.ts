import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import { hyperion, type CliOptions, type CliRun } from './run-cli.js';

const CLI_ROOT = fileURLToPath(new URL('..', import.meta.url));
const RECORDER = fileURLToPath(new URL('./fixtures/record-loads.mjs', import.meta.url));

/** What esbuild's metafile says of one output file: the bytes each input put into it. */
interface MetafileOutput {
  inputs: Record<string, { bytesInOutput: number }>;
}

/**
 * The package a module belongs to, from its path: the last `node_modules/<name>` in it, or a
 * workspace directory (`packages/<name>` is `@hyperion/<name>`, apps/cli is `@hyperion/cli`).
 */
export function packageOfPath(path: string): string | undefined {
  const parts = path.split(/[\\/]/);
  const modules = parts.lastIndexOf('node_modules');
  if (modules !== -1) {
    const name = parts[modules + 1];
    if (name === undefined) return undefined;
    return name.startsWith('@') ? `${name}/${parts[modules + 2] ?? ''}` : name;
  }
  const packages = parts.lastIndexOf('packages');
  if (packages !== -1 && parts[packages + 1] !== undefined) return `@hyperion/${parts[packages + 1]}`;
  if (parts.includes('apps') || parts[0] === 'src') return '@hyperion/cli';
  return undefined;
}

function bundledOutputs(): Record<string, MetafileOutput> {
  const file = join(CLI_ROOT, 'dist', 'metafile-esm.json');
  if (!existsSync(file)) return {};
  return (JSON.parse(readFileSync(file, 'utf8')) as { outputs: Record<string, MetafileOutput> }).outputs;
}

/**
 * The packages the modules at `urls` hold: a file of the CLI's bundle holds the packages of the
 * inputs that put code into it (its build's metafile says which); any other file is its own
 * package. Node's built-in modules are left out.
 */
export function packagesOf(urls: readonly string[]): Set<string> {
  const outputs = bundledOutputs();
  const found = new Set<string>();
  for (const url of urls) {
    if (!url.startsWith('file:')) continue;
    const path = fileURLToPath(url);
    const output = outputs[relative(CLI_ROOT, path).split(sep).join('/')];
    const inputs =
      output === undefined
        ? [path]
        : Object.entries(output.inputs)
            .filter(([, input]) => input.bytesInOutput > 0)
            .map(([input]) => input);
    for (const input of inputs) {
      const name = packageOfPath(input);
      if (name !== undefined) found.add(name);
    }
  }
  return found;
}

/** Runs `hyperion <args>` as {@link hyperion} does, and says which packages it loaded. */
export async function hyperionLoading(
  args: string[],
  options: CliOptions = {},
): Promise<CliRun & { packages: Set<string> }> {
  const record = join(temporaryDirectory('hyperion-loads'), 'loaded.txt');
  const run = await hyperion(args, {
    ...options,
    env: { ...options.env, NODE_OPTIONS: `--import=${RECORDER}`, HYPERION_TEST_LOAD_RECORD: record },
  });
  const urls = existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean) : [];
  return { ...run, packages: packagesOf(urls) };
}
