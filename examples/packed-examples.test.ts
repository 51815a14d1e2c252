import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exampleEnvironment,
  expectMergeQueueDemo,
  expectOwnPatchLanded,
  expectRequestPipelineDemo,
  repositoryWithPatchFile,
  runProgram,
  type ProcessResult,
} from './example-outcomes.js';

// A user outside the workspace: the packages packed with `pnpm pack`, the examples copied into an
// empty directory, their `workspace:*` dependencies pointed at the tarballs, one `npm install` for
// all four (npm workspaces), then each example built and run there.

const WORKSPACE = realpathSync(fileURLToPath(new URL('..', import.meta.url)));
const EXAMPLES = ['embed-merge-queue', 'request-pipeline', 'custom-harness', 'custom-store'];

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function readPackageJson(directory: string): PackageJson {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as PackageJson;
}

/** The workspace's packages by name, with their directories. */
function workspacePackages(): Map<string, { directory: string; manifest: PackageJson }> {
  const packages = new Map<string, { directory: string; manifest: PackageJson }>();
  for (const parent of ['packages', 'apps']) {
    for (const name of readdirSync(join(WORKSPACE, parent))) {
      const directory = join(WORKSPACE, parent, name);
      if (!existsSync(join(directory, 'package.json'))) continue;
      const manifest = readPackageJson(directory);
      packages.set(manifest.name, { directory, manifest });
    }
  }
  return packages;
}

/** The workspace packages the examples use, with the ones those use in turn. */
function neededPackages(packages: ReturnType<typeof workspacePackages>): string[] {
  const needed = new Set<string>();
  const visit = (dependencies: Record<string, string> | undefined) => {
    for (const [name, range] of Object.entries(dependencies ?? {})) {
      if (!range.startsWith('workspace:') || needed.has(name)) continue;
      needed.add(name);
      visit(packages.get(name)?.manifest.dependencies);
    }
  };
  for (const example of EXAMPLES) visit(readPackageJson(join(WORKSPACE, 'examples', example)).dependencies);
  return [...needed].sort();
}

/**
 * The environment of npm and the examples outside: without the variables pnpm and vitest set for
 * this process (`npm_config_*` would configure npm; `VITEST*` would confuse a nested vitest).
 */
function outsideEnvironment(temporary: string): NodeJS.ProcessEnv {
  const environment = exampleEnvironment(temporary);
  for (const name of Object.keys(environment)) {
    if (name.startsWith('npm_') || name.startsWith('VITEST') || name === 'HYPERION_TEST_BUILT') {
      delete environment[name];
    }
  }
  delete environment['FORCE_COLOR'];
  return { ...environment, NO_COLOR: '1' };
}

function expectSuccess(step: string, result: ProcessResult): void {
  expect(result.exitCode, `${step} failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
}

let root = '';
let project = '';
let temporary = '';

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'hyperion-packed-examples-')));
  expect(relative(WORKSPACE, root).startsWith('..')).toBe(true);
  project = join(root, 'project');
  temporary = join(root, 'tmp');
  mkdirSync(temporary);
  const tarballs = join(root, 'tarballs');
  const environment = outsideEnvironment(temporary);

  // Pack what the examples need, as it would be published (workspace: ranges become versions).
  const packages = workspacePackages();
  const needed = neededPackages(packages);
  const filters = needed.flatMap((name) => ['--filter', name]);
  expectSuccess(
    'pnpm pack',
    await runProgram('pnpm', [...filters, 'pack', '--pack-destination', tarballs], { cwd: WORKSPACE }),
  );
  const tarballOf = new Map(
    needed.map((name) => {
      const { version } = packages.get(name)!.manifest;
      const file = join(tarballs, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
      expect(existsSync(file), `${file} was packed`).toBe(true);
      return [name, `file:${file}`];
    }),
  );

  // The examples as a user copies them, pointed at the tarballs.
  for (const example of EXAMPLES) {
    const target = join(project, example);
    cpSync(join(WORKSPACE, 'examples', example), target, {
      recursive: true,
      filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
    });
    const manifest = readPackageJson(target);
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      const tarball = tarballOf.get(name);
      if (tarball !== undefined) manifest.dependencies![name] = tarball;
    }
    writeFileSync(join(target, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }

  // better-sqlite3 compiles from source where no prebuilt binary is reachable (over a minute): the
  // install skips install scripts and takes the binary the workspace compiled for this Node, of the
  // very same version (pinned by the override).
  const requireFromStore = createRequire(join(packages.get('@hyperion/store')!.directory, 'package.json'));
  const sqliteDirectory = dirname(requireFromStore.resolve('better-sqlite3/package.json'));
  const sqliteVersion = readPackageJson(sqliteDirectory).version;
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify(
      {
        name: 'hyperion-examples-outside',
        private: true,
        workspaces: EXAMPLES,
        overrides: { ...Object.fromEntries(tarballOf), 'better-sqlite3': sqliteVersion },
      },
      null,
      2,
    )}\n`,
  );
  const install = ['install', '--no-audit', '--no-fund', '--ignore-scripts'];
  let installed = await runProgram('npm', [...install, '--offline'], { cwd: project, env: environment });
  if (installed.exitCode !== 0) {
    // Something is missing from npm's cache: fetch it (third-party packages only).
    installed = await runProgram('npm', [...install, '--prefer-offline'], { cwd: project, env: environment });
  }
  expectSuccess('npm install', installed);
  const binary = join('build', 'Release', 'better_sqlite3.node');
  mkdirSync(join(project, 'node_modules', 'better-sqlite3', 'build', 'Release'), { recursive: true });
  if (existsSync(join(sqliteDirectory, binary))) {
    copyFileSync(join(sqliteDirectory, binary), join(project, 'node_modules', 'better-sqlite3', binary));
  } else {
    expectSuccess(
      'npm rebuild',
      await runProgram('npm', ['rebuild', 'better-sqlite3'], { cwd: project, env: environment }),
    );
  }

  // Type-checked against the packed declarations, then compiled.
  expectSuccess(
    'npm run build',
    await runProgram('npm', ['run', 'build', '--workspaces'], { cwd: project, env: environment }),
  );
}, 600_000);

afterAll(() => {
  if (root !== '') rmSync(root, { recursive: true, force: true });
});

describe('examples installed from the packed tarballs outside the workspace', () => {
  it('installs every Hyperion package from its tarball, none linked to the workspace', () => {
    for (const name of [
      '@hyperion/schema',
      '@hyperion/git',
      '@hyperion/store',
      '@hyperion/queue',
      '@hyperion/harness',
      '@hyperion/orchestrator',
    ]) {
      const directory = join(project, 'node_modules', ...name.split('/'));
      expect(lstatSync(directory).isSymbolicLink(), name).toBe(false);
      expect(relative(WORKSPACE, realpathSync(directory)).startsWith('..'), name).toBe(true);
      expect(readFileSync(join(directory, 'package.json'), 'utf8')).not.toContain('workspace:');
      expect(existsSync(join(directory, 'dist', 'index.js')), name).toBe(true);
    }
  });

  it('embed-merge-queue runs its demo and lands a patch file on a repository given by path', async () => {
    const example = join(project, 'embed-merge-queue');
    const environment = outsideEnvironment(temporary);
    const demo = await runProgram(process.execPath, ['dist/main.js'], { cwd: example, env: environment });
    expect(expectMergeQueueDemo(demo).startsWith(temporary)).toBe(true);
    const own = mkdtempSync(join(temporary, 'own-'));
    const { root: repository, patchFile } = repositoryWithPatchFile(own);
    const result = await runProgram(process.execPath, ['dist/main.js', repository, patchFile], {
      cwd: example,
      env: environment,
    });
    expectOwnPatchLanded(result, repository);
  });

  it('request-pipeline lands a request through its custom harness', async () => {
    const result = await runProgram(process.execPath, ['dist/main.js'], {
      cwd: join(project, 'request-pipeline'),
      env: outsideEnvironment(temporary),
    });
    expectRequestPipelineDemo(result);
  });

  it('custom-harness passes the harness conformance suite', async () => {
    const result = await runProgram('npm', ['test', '--', '--reporter=verbose'], {
      cwd: join(project, 'custom-harness'),
      env: outsideEnvironment(temporary),
    });
    expectSuccess('the harness example test', result);
    expect(result.stdout).toContain('harness conformance: json-lines > ends a run with status cancelled');
    expect(result.stdout).toMatch(/Tests {2}\d+ passed \(\d+\)/);
  });

  it('custom-store passes the store conformance suite', async () => {
    const result = await runProgram('npm', ['test', '--', '--reporter=verbose'], {
      cwd: join(project, 'custom-store'),
      env: outsideEnvironment(temporary),
    });
    expectSuccess('the store example test', result);
    expect(result.stdout).toContain(
      'store conformance: counting wrapper over SQLite > concurrency from several processes',
    );
    expect(result.stdout).toContain('CountingStore > counts each call by method');
    expect(result.stdout).toMatch(/Tests {2}\d+ passed \(\d+\)/);
  }, 180_000);
});
