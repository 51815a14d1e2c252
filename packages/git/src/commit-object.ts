import { HyperionError } from '@hyperion/schema';
import type { CommitIdentity } from './commit-identity.js';
import { objectSinkOf, type ObjectSink } from './object-sink.js';

/** What {@link writeCommitObject} writes. */
export interface CommitObjectInput {
  /** The sha of the commit's tree. */
  tree: string;
  /** Parent commits, in order (none for a root commit). */
  parents: readonly string[];
  /** The message, cleaned up as `git commit --cleanup=whitespace` would (see {@link cleanUpMessage}). */
  message: string;
  /** Author and committer. */
  identity: CommitIdentity;
  /** Author and committer date: recorded in UTC (`+0000`) when given; now, in local time, when not. */
  date?: Date;
}

const SHA = /^[0-9a-f]{40}$/;
/**
 * Characters some git version trims from the ends of a name or e-mail address (`crud` in git's
 * `ident.c`; `.` was dropped from that list in later versions).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CRUD_AT_AN_END = /^[\x00-\x20.,:;<>"\\']|[\x00-\x20.,:;<>"\\']$/;
/** Characters git removes anywhere, and control characters. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const REMOVED_OR_CONTROL = /[<>\x00-\x1f\x7f]/;

/**
 * `message` as `git commit --cleanup=whitespace` stores it (git's `strbuf_stripspace` without
 * comments): trailing spaces, tabs and carriage returns cut from every line, leading and trailing
 * blank lines dropped, runs of blank lines made one, and a final newline.
 */
export function cleanUpMessage(message: string): string {
  const lines: string[] = [];
  let blankLines = 0;
  for (const line of message.split('\n')) {
    const trimmed = line.replace(/[ \t\r\n]+$/, '');
    if (trimmed === '') {
      blankLines += 1;
      continue;
    }
    if (blankLines > 0 && lines.length > 0) lines.push('');
    blankLines = 0;
    lines.push(trimmed);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * One identity field, refused (`invalid_input`) when git would record it otherwise than as given
 * (an empty value, crud at an end, `<`, `>`, a control character): an in-process commit then says
 * exactly what `git commit` would have said, whatever the git version.
 */
function identityField(value: string, field: 'name' | 'email'): string {
  if (value === '' || CRUD_AT_AN_END.test(value) || REMOVED_OR_CONTROL.test(value)) {
    throw new HyperionError(
      'invalid_input',
      `author.${field}: ${JSON.stringify(value)} is empty, or has a character git would drop or rewrite (<, >, a control character, punctuation or a space at an end)`,
      { details: { field: `author.${field}` } },
    );
  }
  return value;
}

/** `+hhmm` / `-hhmm` for an offset east of UTC in minutes. */
function timezone(minutesEast: number): string {
  const sign = minutesEast < 0 ? '-' : '+';
  const absolute = Math.abs(minutesEast);
  const hours = String(Math.floor(absolute / 60)).padStart(2, '0');
  const minutes = String(absolute % 60).padStart(2, '0');
  return `${sign}${hours}${minutes}`;
}

/** The `<name> <<email>> <seconds> <zone>` part of git's author and committer lines. */
function signature(identity: CommitIdentity, date: Date | undefined): string {
  const when = date ?? new Date();
  const seconds = Math.floor(when.getTime() / 1000);
  // git records an explicit `@<seconds> +0000` date in UTC, and the current time in local time.
  const zone = date === undefined ? timezone(-when.getTimezoneOffset()) : '+0000';
  return `${identityField(identity.name, 'name')} <${identityField(identity.email, 'email')}> ${seconds} ${zone}`;
}

/**
 * The bytes of the commit object `git commit-tree` would write for `input` (no signature, no
 * encoding header: the message is UTF-8).
 */
export function renderCommitObject(input: CommitObjectInput): Buffer {
  for (const [field, sha] of [['tree', input.tree], ...input.parents.map((parent) => ['parent', parent])]) {
    if (!SHA.test(sha ?? '')) {
      throw new HyperionError('invalid_input', `${field}: '${sha}' is not a full sha`, {
        details: { field },
      });
    }
  }
  if (input.message === '' || input.message !== cleanUpMessage(input.message)) {
    throw new HyperionError('invalid_input', 'message: empty or not cleaned up (see cleanUpMessage)', {
      details: { field: 'message' },
    });
  }
  const person = signature(input.identity, input.date);
  const headers = [
    `tree ${input.tree}`,
    ...input.parents.map((parent) => `parent ${parent}`),
    `author ${person}`,
    `committer ${person}`,
  ];
  return Buffer.from(`${headers.join('\n')}\n\n${input.message}`, 'utf8');
}

/**
 * Writes the commit object for `input` in-process and returns its sha: as a loose object of
 * `destination` when it is the common git directory (`writeLooseObject`), or into the sink it is
 * (a `PackWriter`, whose objects are readable once it has written its pack). No hook runs and no
 * git configuration is read (no signing, no `commit.template`, no `i18n.commitEncoding`): the
 * object is exactly {@link renderCommitObject}'s bytes. No ref moves.
 */
export async function writeCommitObject(
  destination: string | ObjectSink,
  input: CommitObjectInput,
): Promise<string> {
  return objectSinkOf(destination).add('commit', renderCommitObject(input));
}
