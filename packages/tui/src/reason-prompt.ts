import type { Key } from 'ink';

/** The longest reason the prompt takes (the rest of the typing is ignored). */
export const MAX_REASON_LENGTH = 500;

/** A rejection waiting for its reason: the entry and what was typed so far. */
export interface ReasonPrompt {
  entryId: string;
  text: string;
  /** True after Enter on a blank reason: the question then says one is needed. */
  blank?: boolean;
}

/** What a key press does to the prompt: new text, submit it, or cancel. */
export type ReasonEdit =
  { kind: 'text'; text: string; blank?: boolean } | { kind: 'submit'; reason: string } | { kind: 'cancel' };

// eslint-disable-next-line no-control-regex -- dropping control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * The prompt after one key press: printable characters are appended (a paste too, its control
 * characters and newlines dropped), Backspace removes the last character, Enter submits a reason
 * that is not blank (a blank one stays open), Esc cancels.
 */
export function editReason(prompt: ReasonPrompt, input: string, key: Key): ReasonEdit {
  if (key.escape) return { kind: 'cancel' };
  if (key.return) {
    const reason = prompt.text.trim();
    return reason === '' ? { kind: 'text', text: prompt.text, blank: true } : { kind: 'submit', reason };
  }
  if (key.backspace || key.delete) return { kind: 'text', text: [...prompt.text].slice(0, -1).join('') };
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) {
    return { kind: 'text', text: prompt.text };
  }
  const typed = input.replace(CONTROL_CHARACTERS, '');
  return { kind: 'text', text: [...`${prompt.text}${typed}`].slice(0, MAX_REASON_LENGTH).join('') };
}

/**
 * The footer line while the prompt is open, at most `width` columns: the question, then as much of
 * the end of the typed reason as fits (the part being typed stays in sight).
 */
export function reasonQuestion(prompt: ReasonPrompt, width: number): string {
  const question = `reject ${prompt.entryId}: ${prompt.blank === true ? 'a reason is needed' : 'why?'} (Enter rejects, Esc cancels) `;
  const room = Math.max(0, width - question.length - 1);
  const characters = [...prompt.text];
  const shown =
    characters.length <= room ? prompt.text : room < 2 ? '…' : `…${characters.slice(-(room - 1)).join('')}`;
  return `${question}${shown}▏`;
}
