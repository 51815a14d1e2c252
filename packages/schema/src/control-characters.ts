import * as z from 'zod';

/**
 * Characters a terminal may act on instead of showing: C0 controls (U+0000–U+001F, ESC among
 * them), DEL (U+007F), C1 controls (U+0080–U+009F, CSI among them) and the Unicode bidi
 * embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069) that reorder text.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;
/** {@link CONTROL_CHARACTERS} except newline and tab, for text printed as a multi-line block. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const BLOCK_CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;
/** The characters JSON.stringify leaves raw that a terminal may act on (it escapes C0 itself). */
const JSON_RAW_CONTROL_CHARACTERS = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

/** `\x1b` for ESC, `\n` for a newline, `\u202e` for RIGHT-TO-LEFT OVERRIDE. */
function visibleEscape(character: string): string {
  const named = NAMED[character];
  if (named !== undefined) return named;
  const code = character.codePointAt(0) ?? 0;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The code point as `U+001B`. */
function codePointName(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Why `text` cannot be a path, name or id, or `undefined`: it holds a control character
 * (C0, DEL, C1 or a bidi control), named by its code point.
 */
export function controlCharacterReason(text: string): string | undefined {
  const found = text.match(new RegExp(CONTROL_CHARACTERS.source, 'u'));
  if (found === null) return undefined;
  return `contains the control character ${codePointName(found[0])} at offset ${found.index ?? 0}`;
}

/**
 * `text` made safe to print on one line of a terminal: every control character (C0 including
 * newline and tab, DEL, C1, bidi controls) is shown as visible text — ESC as `\x1b`, a newline
 * as `\n`, U+202E as `\u202e` — so stored text can neither move the cursor, erase what is on the
 * screen, change colours, nor reorder or break a line. Use it for every stored string that is printed.
 */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, visibleEscape);
}

/**
 * {@link printable} for a multi-line block printed on purpose (a patch, a check's output): newline
 * and tab are kept, every other control character (carriage return included) becomes visible text.
 */
export function printableBlock(text: string): string {
  return text.replace(BLOCK_CONTROL_CHARACTERS, visibleEscape);
}

/**
 * JSON text (from `JSON.stringify`) with the control characters it leaves raw — DEL, C1 and bidi
 * controls — written as `\u` escapes. The JSON means the same value, and prints safely.
 */
export function printableJson(json: string): string {
  return json.replace(
    JSON_RAW_CONTROL_CHARACTERS,
    (character) => `\\u${(character.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

/** A non-empty name written by a submitter (an agent's name): no control characters. */
export const PrintableNameSchema = z
  .string()
  .min(1)
  .superRefine((text, context) => {
    const reason = controlCharacterReason(text);
    if (reason !== undefined) context.addIssue({ code: 'custom', message: reason });
  });
