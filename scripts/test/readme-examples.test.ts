import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

// Every ```ts block of every published package's README is typechecked, as it is written,
// against the packages' built declarations (the public surface a user gets): an example that
// uses a renamed or removed export, or a wrong option, fails here.
const root = fileURLToPath(new URL('../..', import.meta.url));

interface PackageReadme {
  name: string;
  folder: string;
  exports: Record<string, string>;
}

function publishedPackages(): PackageReadme[] {
  const found: PackageReadme[] = [];
  for (const parent of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, parent)).sort()) {
      const folder = join(root, parent, name);
      const manifestFile = join(folder, 'package.json');
      if (!existsSync(manifestFile)) continue;
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
      if (manifest.private === true) continue;
      const exports: Record<string, string> = {};
      for (const [subpath, target] of Object.entries<{ types?: string }>(manifest.exports ?? {})) {
        if (typeof target !== 'object' || target.types === undefined) continue;
        exports[subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`] = join(
          folder,
          target.types,
        );
      }
      found.push({ name: manifest.name, folder, exports });
    }
  }
  return found;
}

function typescriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

// Inside the workspace, so the examples' other imports (vitest, node types) resolve as a user's would.
const cache = join(root, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const directory = mkdtempSync(join(cache, 'readme-examples-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it('every TypeScript example in the package READMEs typechecks against the built packages', () => {
  const packages = publishedPackages();
  const paths: Record<string, string[]> = {};
  const files: string[] = [];
  for (const pkg of packages) {
    for (const [importName, declarations] of Object.entries(pkg.exports)) {
      expect(existsSync(declarations), `${relative(root, declarations)}: run 'pnpm build' first`).toBe(true);
      paths[importName] = [declarations];
    }
    const readmeFile = join(pkg.folder, 'README.md');
    expect(existsSync(readmeFile), `${pkg.name} has no README.md`).toBe(true);
    const readme = readFileSync(readmeFile, 'utf8');
    expect(readme, `${pkg.name}'s README has no API reference section`).toMatch(/^## Reference$/m);
    const blocks = typescriptBlocks(readme);
    expect(blocks.length, `${pkg.name}'s README has no TypeScript example`).toBeGreaterThan(0);
    blocks.forEach((block, index) => {
      const file = join(directory, `${pkg.name.replace(/^@[^/]+\//, '')}-${index + 1}.mts`);
      writeFileSync(file, `${block}\nexport {};\n`);
      files.push(file);
    });
  }
  writeFileSync(
    join(directory, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, 'tsconfig.base.json'),
      compilerOptions: {
        noEmit: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
        paths,
      },
      files,
    }),
  );
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', directory], {
    cwd: directory,
    encoding: 'utf8',
  });
  // Name the README block, not the temporary file.
  const output = `${tsc.stdout}${tsc.stderr}`.replaceAll(`${directory}/`, 'README example ');
  expect(output).toBe('');
  expect(tsc.status).toBe(0);
});
