#!/usr/bin/env node
// Fails when the change being checked edits a file that a published package ships but adds no
// changeset (`.changeset/<name>.md`; an empty one, with no packages in its front matter, is the
// way to say "internal change, no release").
//
// The change being checked is the difference between a base commit and HEAD:
//   - CHANGESET_BASE=<ref>: the merge base of that ref and HEAD (a pull request: the target branch);
//   - otherwise HEAD's first parent: the last commit, or for a merge commit everything it merged.
// A commit made by `changeset version` (it deletes changesets and adds none) passes.
//
// Shipped files: a non-private package's package.json, README, LICENSE and what its `files` list
// holds, except tests (`*.test.*`, `*.spec.*`, `__tests__/`, `test/`).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

function git(...args) {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function fail(message) {
  console.error(`changeset check: ${message}`);
  process.exit(1);
}

function commitExists(ref) {
  try {
    git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
    return true;
  } catch {
    return false;
  }
}

function baseCommit() {
  const requested = process.env.CHANGESET_BASE;
  if (requested !== undefined && requested !== '') {
    if (!commitExists(requested)) fail(`CHANGESET_BASE=${JSON.stringify(requested)} is not a commit here`);
    try {
      return git('merge-base', requested, 'HEAD');
    } catch {
      fail(`CHANGESET_BASE=${JSON.stringify(requested)} has no common history with HEAD (a shallow clone?)`);
    }
  }
  if (commitExists('HEAD^')) return git('rev-parse', 'HEAD^');
  if (git('rev-parse', '--is-shallow-repository') === 'true') {
    // A clone of depth 1 has no parent to compare with: check HEAD's whole tree instead, where every
    // shipped file is "changed" and every changeset present is "added" (weaker, never a false fail).
    console.error(
      "changeset check: HEAD's parent is missing from this shallow clone; checking HEAD's whole tree (fetch the history or set CHANGESET_BASE for the real check)",
    );
  }
  return EMPTY_TREE; // the first commit (or a shallow clone's only one): everything in it is new
}

/** The workspace's packages: folder (relative, with a trailing slash), name and what ships. */
function packages() {
  const found = [];
  for (const parent of ['packages', 'apps']) {
    if (!existsSync(join(root, parent))) continue;
    for (const name of readdirSync(join(root, parent))) {
      const manifestFile = join(root, parent, name, 'package.json');
      if (!existsSync(manifestFile)) continue;
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
      found.push({
        folder: `${parent}/${name}/`,
        name: manifest.name,
        published: manifest.private !== true,
        files: Array.isArray(manifest.files)
          ? manifest.files.map((entry) => entry.replace(/^\.\//, '').replace(/\/$/, ''))
          : undefined,
      });
    }
  }
  return found;
}

const TEST_FILE = /(^|\/)(__tests__|test)\/|\.(test|spec)\.[cm]?[jt]sx?$/;
const ALWAYS_SHIPPED = /^(package\.json|README(\.[^/]*)?|LICEN[CS]E(\.[^/]*)?)$/i;

function ships(pkg, path) {
  const inside = path.slice(pkg.folder.length);
  if (TEST_FILE.test(inside)) return false;
  if (ALWAYS_SHIPPED.test(inside)) return true;
  if (pkg.files === undefined) return true; // no `files`: npm packs (nearly) everything
  return pkg.files.some((entry) => inside === entry || inside.startsWith(`${entry}/`));
}

const CHANGESET_FILE = /^\.changeset\/[^/]+\.md$/;
const BUMP_LINE = /^\s*(?:"([^"]+)"|'([^']+)'|([^\s:'"]+))\s*:\s*(patch|minor|major)\s*$/;

/** Problems of one changeset's text: front matter that `changeset version` could not read. */
function changesetProblems(path, text, byName) {
  const match = /^---\r?\n([\s\S]*?)\r?\n?---(\r?\n|$)/.exec(text);
  if (match === null) return [`${path}: no front matter (a changeset starts with '---' lines)`];
  const problems = [];
  for (const line of match[1].split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const bump = BUMP_LINE.exec(line);
    if (bump === null) {
      problems.push(`${path}: cannot read ${JSON.stringify(line)} (expected "<package>": patch|minor|major)`);
      continue;
    }
    const name = bump[1] ?? bump[2] ?? bump[3];
    const pkg = byName.get(name);
    if (pkg === undefined)
      problems.push(`${path}: ${JSON.stringify(name)} is not a package of this workspace`);
    else if (!pkg.published)
      problems.push(`${path}: ${JSON.stringify(name)} is private and is never released`);
  }
  return problems;
}

const base = baseCommit();
// `-z`: paths as they are; without it git quotes and escapes a non-ASCII, tab or quote in a name,
// and the quoted path would match no package folder (a false pass).
const fields = git('diff', '--name-status', '--no-renames', '-z', base, 'HEAD')
  .split('\0')
  .filter((field) => field !== '');
const changes = [];
for (let index = 0; index + 1 < fields.length; index += 2) {
  changes.push({ status: fields[index], path: fields[index + 1] });
}
const all = packages();
const byName = new Map(all.map((pkg) => [pkg.name, pkg]));
const shipped = changes.filter(({ path }) =>
  all.some((pkg) => pkg.published && path.startsWith(pkg.folder) && ships(pkg, path)),
);
const changesets = changes.filter(
  ({ status, path }) => status !== 'D' && CHANGESET_FILE.test(path) && path !== '.changeset/README.md',
);
const releasedChangesets = changes.filter(({ status, path }) => status === 'D' && CHANGESET_FILE.test(path));
const problems = changesets.flatMap(({ path }) =>
  changesetProblems(path, readFileSync(join(root, path), 'utf8'), byName),
);
const range = `${base === EMPTY_TREE ? '(root)' : base.slice(0, 12)}..HEAD`;
if (problems.length > 0) fail(`invalid changeset in ${range}:\n  ${problems.join('\n  ')}`);
if (shipped.length > 0 && changesets.length === 0 && releasedChangesets.length === 0) {
  const listed = shipped.slice(0, 10).map(({ path }) => path);
  if (shipped.length > 10) listed.push(`… and ${shipped.length - 10} more`);
  fail(
    `${range} changes files that published packages ship but adds no changeset:\n  ${listed.join('\n  ')}\n` +
      "Add one with 'pnpm changeset' (an empty one, 'pnpm changeset --empty', for an internal change).",
  );
}
console.log(
  shipped.length === 0
    ? `changeset check: ${range} changes no shipped package file`
    : `changeset check: ${range} changes ${shipped.length} shipped file(s) and ${releasedChangesets.length > 0 && changesets.length === 0 ? 'releases changesets' : `adds ${changesets.length} changeset(s)`}`,
);
