import { describe, expect, it } from 'vitest';
import { appendTrailers, parseTrailers } from './trailers.js';

describe('parseTrailers', () => {
  it('reads the last paragraph when it is a trailer block', () => {
    expect(parseTrailers('Title\n\nBody.\n\nHyperion-Change: c1\nHyperion-Task:  t1 \n')).toEqual([
      { key: 'Hyperion-Change', value: 'c1' },
      { key: 'Hyperion-Task', value: 't1' },
    ]);
  });

  it('never reads the title, nor a last paragraph with prose', () => {
    expect(parseTrailers('Hyperion-Change: c1\n')).toEqual([]);
    expect(parseTrailers('Title\n\nHyperion-Change: c1\nand some prose\n')).toEqual([]);
  });

  it('accepts prose beside a git-generated trailer, and unfolds continuation lines', () => {
    expect(parseTrailers('Title\n\nSigned-off-by: A <a@b>\nprose\nNote: long\n  value\n')).toEqual([
      { key: 'Signed-off-by', value: 'A <a@b>' },
      { key: 'Note', value: 'long value' },
    ]);
  });
});

describe('appendTrailers', () => {
  it('adds a trailer block as its own last paragraph, never merged into one the message ends with', () => {
    expect(appendTrailers('Title\n', [{ key: 'A', value: '1' }])).toBe('Title\n\nA: 1\n');
    expect(appendTrailers('Title\n\nB: 2\n', [{ key: 'A', value: '1' }])).toBe('Title\n\nB: 2\n\nA: 1\n');
    expect(parseTrailers(appendTrailers('Title\n\nB: 2\n', [{ key: 'A', value: '1' }]))).toEqual([
      { key: 'A', value: '1' },
    ]);
  });

  it('rejects keys git would not read back, and multi-line values', () => {
    expect(() => appendTrailers('T', [{ key: 'Bad Key', value: '1' }])).toThrow(/trailer key 'Bad Key'/);
    expect(() => appendTrailers('T', [{ key: 'A', value: '1\n2' }])).toThrow(/spanning several lines/);
  });
});
