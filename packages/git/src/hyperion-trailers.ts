import { HyperionError } from '@hyperion/schema';

/**
 * Hyperion's own trailer block: the proof, on the branch itself, that a change landed. It is always
 * the last paragraph of a commit message Hyperion wrote, and it holds nothing but these lines:
 *
 * ```
 * Hyperion-Task: <task id>
 * Hyperion-Change: <change id>
 * Hyperion-Request: <request id>      (only when the change belongs to a request)
 * Hyperion-Patch: <sha256 of the entry's patch>
 * ```
 *
 * {@link parseHyperionTrailers} reads it exactly: keys in this spelling and case, one space after
 * the colon, each key once, every value one token. Anything else — a look-alike in a body
 * paragraph, a block mixed with other trailers, another case — is not a landing proof.
 */
export interface HyperionTrailers {
  /** `Hyperion-Task`: the task (assignment) id. */
  task: string;
  /** `Hyperion-Change`: the change (queue entry) id. */
  change: string;
  /** `Hyperion-Request`: the request id, when the change came through a request. */
  request?: string;
  /** `Hyperion-Patch`: the sha256 of the entry's combined patch (its patch id). */
  patch: string;
}

/** The keys of Hyperion's trailer block, in the order Hyperion writes them. */
export const HYPERION_TRAILER_KEYS = {
  task: 'Hyperion-Task',
  change: 'Hyperion-Change',
  request: 'Hyperion-Request',
  patch: 'Hyperion-Patch',
} as const satisfies Record<keyof HyperionTrailers, string>;

const FIELD_BY_KEY = new Map<string, keyof HyperionTrailers>(
  Object.entries(HYPERION_TRAILER_KEYS).map(([field, key]) => [key, field as keyof HyperionTrailers]),
);

/** One printable, space-free ASCII token: what every Hyperion trailer value must be. */
const VALUE = /^[\x21-\x7e]{1,200}$/;
const PATCH_ID = /^[0-9a-f]{64}$/;
const LINE = /^([A-Za-z-]+): (.*)$/;

/**
 * The trailer block for `trailers`, one `Key: value` line each, no trailing newline. Throws
 * `invalid_input` naming the trailer when a value is not one printable token (no spaces, no line
 * breaks, no control characters) or the patch id is not a sha256.
 */
export function formatHyperionTrailers(trailers: HyperionTrailers): string {
  const lines: string[] = [];
  for (const [field, key] of Object.entries(HYPERION_TRAILER_KEYS) as Array<
    [keyof HyperionTrailers, string]
  >) {
    const value = trailers[field];
    if (value === undefined && field === 'request') continue;
    if (value === undefined || !VALUE.test(value)) {
      throw new HyperionError(
        'invalid_input',
        `trailer ${key}: ${JSON.stringify(value ?? null)} is not one printable token without spaces`,
        { details: { trailer: key } },
      );
    }
    if (field === 'patch' && !PATCH_ID.test(value)) {
      throw new HyperionError('invalid_input', `trailer ${key}: '${value}' is not a sha256 patch id`, {
        details: { trailer: key },
      });
    }
    lines.push(`${key}: ${value}`);
  }
  return lines.join('\n');
}

/**
 * Hyperion's trailer block of `message`, or undefined when the message has none. The block must be
 * the last paragraph (after a subject and a blank line; trailing blank lines are ignored) and every
 * one of its lines must be a Hyperion trailer written exactly as {@link formatHyperionTrailers}
 * writes it, with `Hyperion-Task`, `Hyperion-Change` and `Hyperion-Patch` present and no key twice.
 */
export function parseHyperionTrailers(message: string): HyperionTrailers | undefined {
  const lines = message.replace(/\n+$/, '').split('\n');
  const separator = lines.lastIndexOf('');
  if (separator < 1 || separator === lines.length - 1) return undefined;
  const found: Partial<HyperionTrailers> = {};
  for (const line of lines.slice(separator + 1)) {
    const match = LINE.exec(line);
    const field = match === null ? undefined : FIELD_BY_KEY.get(match[1] ?? '');
    const value = match?.[2] ?? '';
    if (field === undefined || found[field] !== undefined || !VALUE.test(value)) return undefined;
    found[field] = value;
  }
  const { task, change, patch, request } = found;
  if (task === undefined || change === undefined || patch === undefined || !PATCH_ID.test(patch)) {
    return undefined;
  }
  return { task, change, patch, ...(request === undefined ? {} : { request }) };
}

/** What proves that one queue entry landed: its whole change id and its own patch id. */
export interface LandingProof {
  /** The entry's change id, matched whole and case-sensitively. */
  changeId: string;
  /** The sha256 of the entry's combined patch. */
  patchHash: string;
}

/** True when `message` ends with Hyperion's trailer block for exactly this change and patch. */
export function provesLanding(message: string, proof: LandingProof): boolean {
  const trailers = parseHyperionTrailers(message);
  return trailers !== undefined && trailers.change === proof.changeId && trailers.patch === proof.patchHash;
}
