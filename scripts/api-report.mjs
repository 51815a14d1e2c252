#!/usr/bin/env node
// API reports: one per entry point of every published package, made by API Extractor from the
// built declarations (run `pnpm build` first) and committed as packages/<pkg>/etc/<name>.api.md.
//
//   node scripts/api-report.mjs --check    fails when a public surface differs from its report
//   node scripts/api-report.mjs --update   rewrites the reports (and removes stale ones)
//
// Report names: the unscoped package name for ".", plus "-<subpath>" for other entry points
// (`@hyperion/store/testing` -> packages/store/etc/store-testing.api.md).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2];
if (mode !== '--check' && mode !== '--update') {
  console.error('usage: node scripts/api-report.mjs --check | --update');
  process.exit(2);
}
const update = mode === '--update';

/** Every entry point of every published (not private) package, from its package.json `exports`. */
function entryPoints() {
  const found = [];
  for (const parent of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, parent)).sort()) {
      const folder = join(root, parent, name);
      const manifestFile = join(folder, 'package.json');
      if (!existsSync(manifestFile)) continue;
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
      if (manifest.private === true) continue;
      const unscoped = manifest.name.replace(/^@[^/]+\//, '');
      for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
        if (subpath === './package.json' || typeof target !== 'object' || target.types === undefined)
          continue;
        const suffix = subpath === '.' ? '' : `-${subpath.slice(2).replaceAll('/', '-')}`;
        found.push({
          folder,
          manifestFile,
          importName: subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
          declarations: join(folder, target.types),
          reportName: `${unscoped}${suffix}`,
        });
      }
    }
  }
  return found;
}

const temporary = mkdtempSync(join(tmpdir(), 'hyperion-api-report-'));
const problems = [];
const expected = new Set();
try {
  for (const entry of entryPoints()) {
    const reportFolder = join(entry.folder, 'etc');
    expected.add(join(reportFolder, `${entry.reportName}.api.md`));
    if (!existsSync(entry.declarations)) {
      problems.push(
        `${entry.importName}: ${relative(root, entry.declarations)} is missing: run 'pnpm build' first`,
      );
      continue;
    }
    if (update) mkdirSync(reportFolder, { recursive: true });
    const config = ExtractorConfig.prepare({
      configObjectFullPath: undefined,
      packageJsonFullPath: entry.manifestFile,
      configObject: {
        projectFolder: entry.folder,
        mainEntryPointFilePath: entry.declarations,
        compiler: {
          overrideTsconfig: {
            compilerOptions: {
              target: 'ES2022',
              lib: ['ES2023'],
              module: 'NodeNext',
              moduleResolution: 'NodeNext',
              strict: true,
              skipLibCheck: true,
              jsx: 'react-jsx',
              types: ['node'],
            },
            files: [entry.declarations],
          },
        },
        apiReport: {
          enabled: true,
          reportFileName: entry.reportName,
          reportFolder,
          reportTempFolder: join(temporary, entry.reportName),
          includeForgottenExports: false,
        },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        newlineKind: 'lf',
        messages: {
          compilerMessageReporting: { default: { logLevel: 'error' } },
          // TSDoc itself is checked by TypeDoc (`pnpm docs`); the report only records the surface.
          tsdocMessageReporting: { default: { logLevel: 'none' } },
          extractorMessageReporting: {
            default: { logLevel: 'warning', addToApiReportFile: true },
            // A type used by the surface but not exported is recorded in the report, for review.
            'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: true },
            'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
            'ae-unresolved-link': { logLevel: 'none', addToApiReportFile: false },
            // Documentation is TypeDoc's check; here it would only add line numbers that churn.
            'ae-undocumented': { logLevel: 'none', addToApiReportFile: false },
            'ae-internal-missing-underscore': { logLevel: 'none', addToApiReportFile: false },
          },
        },
      },
    });
    let messages = 0;
    const result = Extractor.invoke(config, {
      localBuild: update,
      showVerboseMessages: false,
      messageCallback(message) {
        message.handled = true;
        if (message.logLevel === ExtractorLogLevel.Error || message.logLevel === ExtractorLogLevel.Warning) {
          // The report's own "changed" warning is reported below, once per entry point.
          if (message.messageId.startsWith('console-api-report-')) return;
          messages += 1;
          problems.push(
            `${entry.importName}: ${message.text}${message.sourceFilePath ? ` (${relative(root, message.sourceFilePath)}:${message.sourceFileLine})` : ''}`,
          );
        }
      },
    });
    if (!update && result.apiReportChanged) {
      problems.push(
        `${entry.importName}: the public API differs from ${relative(root, join(reportFolder, `${entry.reportName}.api.md`))}: run 'pnpm api:update' and commit the report`,
      );
    } else if (!result.succeeded && messages === 0) {
      problems.push(`${entry.importName}: API Extractor failed`);
    }
    console.log(`${update ? 'updated' : 'checked'} ${entry.importName}`);
  }
  // Reports of entry points that no longer exist.
  for (const parent of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, parent))) {
      const reportFolder = join(root, parent, name, 'etc');
      if (!existsSync(reportFolder)) continue;
      for (const file of readdirSync(reportFolder)) {
        const path = join(reportFolder, file);
        if (!file.endsWith('.api.md') || expected.has(path)) continue;
        if (update) rmSync(path);
        else problems.push(`${relative(root, path)} belongs to no entry point: run 'pnpm api:update'`);
      }
    }
  }
} finally {
  rmSync(temporary, { recursive: true, force: true });
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`api-report: ${problem}`);
  process.exit(1);
}
