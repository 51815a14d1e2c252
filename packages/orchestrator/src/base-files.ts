import { distance } from 'fastest-levenshtein';

/** Most edits that still make a path a near miss of an existing one (a typo, not a new name). */
export const MAX_NEAR_MISS_EDITS = 2;

/** How a path that does not exist resembles one that does. */
export type NearMissKind = 'case' | 'typo' | 'moved';

/** An existing path that a requested, missing path resembles. */
export interface NearMiss {
  /** The existing path. */
  path: string;
  /** `case`: the same path in another letter case; `typo`: a few edits away; `moved`: the same file name elsewhere. */
  kind: NearMissKind;
  /** Edits between the two paths, letter case ignored (`typo`). */
  edits?: number;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? name : name.slice(0, dot);
}

const DIGITS = /[0-9]+/g;

/**
 * The files of the base commit, indexed to answer what the engineer asks of a requested path:
 * does it exist, is it a directory, and does it look like a slip for an existing file.
 */
export class BaseFiles {
  private readonly files: ReadonlySet<string>;
  private readonly directories = new Set<string>(['']);
  private readonly byLowerCase = new Map<string, string>();
  private readonly byFileName = new Map<string, string[]>();

  private constructor(paths: Iterable<string>) {
    this.files = new Set(paths);
    for (const path of this.files) {
      const lower = path.toLowerCase();
      if (!this.byLowerCase.has(lower)) this.byLowerCase.set(lower, path);
      const name = fileName(path);
      const holders = this.byFileName.get(name);
      if (holders === undefined) this.byFileName.set(name, [path]);
      else holders.push(path);
      for (let directory = directoryOf(path); directory !== ''; directory = directoryOf(directory)) {
        if (this.directories.has(directory)) break;
        this.directories.add(directory);
      }
    }
  }

  /** The files (repository-relative paths, as `git ls-tree -r --name-only` lists them). */
  static of(paths: Iterable<string>): BaseFiles {
    return new BaseFiles(paths);
  }

  /** True when `path` is a file at the base. */
  has(path: string): boolean {
    return this.files.has(path);
  }

  /** True when `path` is a directory at the base (the root included). */
  isDirectory(path: string): boolean {
    return this.directories.has(path);
  }

  /** The nearest existing file above `path` (`README.md` for `README.md/x`), if one is in the way. */
  fileInTheWay(path: string): string | undefined {
    for (let directory = directoryOf(path); directory !== ''; directory = directoryOf(directory)) {
      if (this.files.has(directory)) return directory;
    }
    return undefined;
  }

  /**
   * The existing file that a missing `path` most likely means, if any:
   * 1. `case` — the same path in another letter case;
   * 2. `typo` — at most {@link MAX_NEAR_MISS_EDITS} edits away (letter case ignored), unless the two
   *    differ only in digits (`v2.md` beside `v1.md` is a sibling) or the edits replace the whole
   *    stem of the file name (`b.md` beside `a.md` is another name); the closest wins;
   * 3. `moved` — the same file name held by exactly one file, in another directory, while the
   *    requested directory does not exist at the base (what a move leaves behind).
   * Returns `undefined` for a path that exists or resembles nothing: a file to create.
   */
  nearMiss(path: string): NearMiss | undefined {
    if (this.files.has(path)) return undefined;
    const lower = path.toLowerCase();
    const sameLetters = this.byLowerCase.get(lower);
    if (sameLetters !== undefined) return { path: sameLetters, kind: 'case' };
    const typo = this.closestTypo(path, lower);
    if (typo !== undefined) return typo;
    const holders = this.byFileName.get(fileName(path)) ?? [];
    if (holders.length === 1 && !this.directories.has(directoryOf(path))) {
      return { path: holders[0]!, kind: 'moved' };
    }
    return undefined;
  }

  private closestTypo(path: string, lower: string): NearMiss | undefined {
    const withoutDigits = lower.replace(DIGITS, '');
    const nameStem = stem(fileName(lower));
    let best: NearMiss | undefined;
    for (const [candidateLower, candidate] of this.byLowerCase) {
      if (Math.abs(candidateLower.length - lower.length) > MAX_NEAR_MISS_EDITS) continue;
      const edits = distance(lower, candidateLower);
      if (edits > MAX_NEAR_MISS_EDITS) continue;
      if (candidateLower.replace(DIGITS, '') === withoutDigits) continue;
      const nameEdits = distance(nameStem, stem(fileName(candidateLower)));
      if (nameEdits > 0 && nameEdits >= nameStem.length) continue;
      if (
        best === undefined ||
        edits < (best.edits ?? Infinity) ||
        (edits === best.edits && candidate < best.path)
      ) {
        best = { path: candidate, kind: 'typo', edits };
      }
    }
    return best;
  }
}
