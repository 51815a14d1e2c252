import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { editReason, MAX_REASON_LENGTH, reasonQuestion } from './reason-prompt.js';

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

describe('the reject reason prompt', () => {
  it('types printable text only: a pasted escape sequence, newline or bidi control is dropped', () => {
    const edit = editReason({ entryId: 'c', text: 'no' }, ' \u001b[2Jway\n\u202e!', NO_KEY);
    expect(edit).toEqual({ kind: 'text', text: 'no [2Jway!' });
  });

  it('keeps at most MAX_REASON_LENGTH characters', () => {
    const edit = editReason({ entryId: 'c', text: 'a'.repeat(MAX_REASON_LENGTH - 1) }, 'bcd', NO_KEY);
    expect(edit).toEqual({ kind: 'text', text: `${'a'.repeat(MAX_REASON_LENGTH - 1)}b` });
  });

  it('submits the trimmed reason on Enter, refuses a blank one, cancels on Esc', () => {
    expect(editReason({ entryId: 'c', text: ' why ' }, '', { ...NO_KEY, return: true })).toEqual({
      kind: 'submit',
      reason: 'why',
    });
    expect(editReason({ entryId: 'c', text: '  ' }, '', { ...NO_KEY, return: true })).toEqual({
      kind: 'text',
      text: '  ',
      blank: true,
    });
    expect(editReason({ entryId: 'c', text: 'x' }, '', { ...NO_KEY, escape: true })).toEqual({
      kind: 'cancel',
    });
  });

  it('shows the end of a long reason within the width', () => {
    const line = reasonQuestion({ entryId: 'change-1', text: `${'a'.repeat(100)}END` }, 80);
    expect([...line].length).toBeLessThanOrEqual(80);
    expect(line.endsWith('END▏')).toBe(true);
    expect(line).toContain('…');
  });
});
