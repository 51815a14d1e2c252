const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** Decodes a C-style quoted path as git writes it (`"dir/\303\244.txt"`). */
export function unquoteGitPath(quoted: string): string {
  const bytes: number[] = [];
  const inner = quoted.slice(1, -1);
  for (let index = 0; index < inner.length; index += 1) {
    const character = inner[index] ?? '';
    if (character !== '\\') {
      bytes.push(...Buffer.from(character, 'utf8'));
      continue;
    }
    const next = inner[index + 1] ?? '';
    const octal = /^[0-7]{3}/.exec(inner.slice(index + 1));
    if (octal !== null) {
      bytes.push(parseInt(octal[0], 8));
      index += 3;
    } else {
      bytes.push(ESCAPES[next] ?? next.charCodeAt(0));
      index += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The path named on a `---`/`+++` line (text after the marker): drops a trailing tab and timestamp,
 * unquotes, maps `/dev/null` to undefined and strips the `prefix` (`a/` or `b/`) when present.
 */
export function headerPath(text: string, prefix: 'a/' | 'b/'): string | undefined {
  const trimmed = text.trim();
  const name = trimmed.startsWith('"')
    ? unquoteGitPath(/^"(?:[^"\\]|\\.)*"/.exec(trimmed)?.[0] ?? trimmed)
    : (trimmed.split('\t')[0] ?? '').trim();
  if (name === '/dev/null') return undefined;
  return stripPrefix(name, prefix);
}

/** Removes a leading `a/` or `b/` from a path when present. */
export function stripPrefix(path: string, prefix: 'a/' | 'b/'): string {
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/**
 * The two paths of a `diff --git a/x b/y` line. Unambiguous for quoted names; for unquoted names
 * containing spaces it assumes both names are equal, as git does when no other header names them.
 */
export function diffGitPaths(rest: string): { oldPath: string; newPath: string } | undefined {
  if (rest.startsWith('"')) {
    const first = /^"(?:[^"\\]|\\.)*"/.exec(rest)?.[0];
    if (first === undefined) return undefined;
    const second = rest.slice(first.length).trim();
    const newName = second.startsWith('"') ? unquoteGitPath(second) : second;
    return { oldPath: stripPrefix(unquoteGitPath(first), 'a/'), newPath: stripPrefix(newName, 'b/') };
  }
  if (rest.endsWith('"')) {
    const start = rest.lastIndexOf(' "');
    if (start === -1) return undefined;
    return {
      oldPath: stripPrefix(rest.slice(0, start), 'a/'),
      newPath: stripPrefix(unquoteGitPath(rest.slice(start + 1)), 'b/'),
    };
  }
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === ' ') {
    const oldName = stripPrefix(rest.slice(0, half), 'a/');
    const newName = stripPrefix(rest.slice(half + 1), 'b/');
    if (oldName === newName) return { oldPath: oldName, newPath: newName };
  }
  const space = rest.indexOf(' b/');
  if (space === -1) return undefined;
  return { oldPath: stripPrefix(rest.slice(0, space), 'a/'), newPath: rest.slice(space + 3) };
}
