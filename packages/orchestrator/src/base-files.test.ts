import { describe, expect, it } from 'vitest';
import { BaseFiles } from './base-files.js';

const base = BaseFiles.of([
  'README.md',
  'docs/guide.md',
  'docs/a.md',
  'docs/v1.md',
  'src/engineer.ts',
  'src/index.ts',
  'lib/format.ts',
  'packages/one/index.ts',
]);

describe('BaseFiles', () => {
  it('knows files, directories and a file in the way', () => {
    expect(base.has('docs/guide.md')).toBe(true);
    expect(base.has('docs')).toBe(false);
    expect(base.isDirectory('docs')).toBe(true);
    expect(base.isDirectory('packages/one')).toBe(true);
    expect(base.isDirectory('packages/two')).toBe(false);
    expect(base.fileInTheWay('README.md/notes.md')).toBe('README.md');
    expect(base.fileInTheWay('docs/new/notes.md')).toBeUndefined();
  });

  it.each([
    ['readme.md', { path: 'README.md', kind: 'case' }],
    ['DOCS/Guide.md', { path: 'docs/guide.md', kind: 'case' }],
    ['docs/gude.md', { path: 'docs/guide.md', kind: 'typo', edits: 1 }],
    ['src/engnieer.ts', { path: 'src/engineer.ts', kind: 'typo', edits: 2 }],
    ['dcos/guide.md', { path: 'docs/guide.md', kind: 'typo', edits: 2 }],
    ['src/index.js', { path: 'src/index.ts', kind: 'typo', edits: 1 }],
    ['src/utils/format.ts', { path: 'lib/format.ts', kind: 'moved' }],
  ])('finds the near miss of %j', (path, nearMiss) => {
    expect(base.nearMiss(path)).toEqual(nearMiss);
  });

  it.each([
    ['docs/CHANGELOG.md', 'nothing like it'],
    ['docs/b.md', 'the edit replaces the whole name'],
    ['docs/v2.md', 'differs only in digits: a numbered sibling'],
    ['docs/README.md', 'the same name, but in a directory that exists'],
    ['packages/two/index.ts', 'a name several files hold'],
    ['src/engineering-notes.ts', 'more than two edits'],
    ['README.md', 'it exists'],
  ])('finds no near miss for %j (%s)', (path) => {
    expect(base.nearMiss(path)).toBeUndefined();
  });
});
