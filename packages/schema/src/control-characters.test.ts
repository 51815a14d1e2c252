import { describe, expect, it } from 'vitest';
import {
  ChangeRequestSchema,
  controlCharacterReason,
  HyperionError,
  parseWithSchema,
  printable,
  printableBlock,
  printableJson,
  unsafePathReason,
} from './index.js';

const ERASE_LINE = 'src/\u001b[2K\u001b[1Gok.js';

function thrown(run: () => unknown): HyperionError {
  try {
    run();
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a HyperionError');
}

describe('control characters in paths and names', () => {
  it.each([
    [ERASE_LINE, 'U+001B'],
    ['src/a\rb.js', 'U+000D'],
    ['src/a\nb.js', 'U+000A'],
    ['src/a\tb.js', 'U+0009'],
    ['src/a\u007fb.js', 'U+007F'],
    ['src/a\u009b2Kb.js', 'U+009B'],
    ['src/evil\u202esj.txt', 'U+202E'],
    ['src/\u2066a\u2069.js', 'U+2066'],
  ])('refuses the path %j, naming %s', (path, codePoint) => {
    expect(unsafePathReason(path)).toMatch(new RegExp(`control character ${codePoint.replace('+', '\\+')}`));
  });

  it('accepts ordinary non-ASCII paths', () => {
    for (const path of ['docs/ä.md', 'src/日本.ts', 'src/emoji-🙂.txt', 'src/\u00a0nbsp.txt'])
      expect(unsafePathReason(path)).toBeUndefined();
  });

  it('refuses a change request whose path or agent holds an escape sequence, quoting it visibly', () => {
    const change = (path: string, agent: string) => ({
      task_id: 'T-1',
      agent,
      changes: [{ path, operation: 'create', patch: 'x' }],
    });
    const byPath = thrown(() => parseWithSchema(ChangeRequestSchema, change(ERASE_LINE, 'a'), 'c.json'));
    expect(byPath.code).toBe('unsafe_path');
    expect(byPath.message).toBe(
      "c.json: changes[0].path: unsafe path 'src/\\x1b[2K\\x1b[1Gok.js': contains the control character U+001B at offset 4",
    );
    expect(byPath.message).not.toContain('\u001b');
    const byAgent = thrown(() =>
      parseWithSchema(ChangeRequestSchema, change('a.txt', 'bot\u001b]0;pwned\u0007'), 'c.json'),
    );
    expect(byAgent.message).toMatch(/^c\.json: agent: contains the control character U\+001B/);
    expect(controlCharacterReason('plain agent')).toBeUndefined();
  });
});

describe('printable', () => {
  it('shows every control character as visible text on one line', () => {
    expect(printable(ERASE_LINE)).toBe('src/\\x1b[2K\\x1b[1Gok.js');
    expect(printable('a\nb\tc\rd\u0000e\u007ff\u009bg\u202eh\u2069')).toBe(
      'a\\nb\\tc\\rd\\x00e\\x7ff\\x9bg\\u202eh\\u2069',
    );
    expect(printable('ordinary text, ä 日本 🙂')).toBe('ordinary text, ä 日本 🙂');
  });

  it('keeps newline and tab in a block, and nothing else', () => {
    expect(printableBlock('line 1\n\tline 2\r\n\u001b[31mred\u001b[0m')).toBe(
      'line 1\n\tline 2\\r\n\\x1b[31mred\\x1b[0m',
    );
  });

  it('escapes in JSON text what JSON.stringify leaves raw, keeping the same value', () => {
    const value = { text: 'a\u001b[2Kb\u007f\u009b\u202e' };
    const json = printableJson(JSON.stringify(value));
    expect(printableJson(json)).toBe(json);
    expect(json).not.toContain('\u001b');
    expect(json).not.toContain('\u009b');
    expect(JSON.parse(json)).toEqual(value);
  });
});
