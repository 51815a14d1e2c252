import { describe, expect, it } from 'vitest';
import { HyperionError } from './errors.js';
import { locateJsonSyntaxError } from './json-syntax-error.js';
import { parseJsonText } from './parse.js';

function failure(text: string): HyperionError {
  try {
    parseJsonText(text, 'request.json');
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected invalid JSON');
}

describe('invalid JSON names its line and column', () => {
  it.each([
    // V8 gives no position for these ("Unexpected token …"): the line must still be named.
    ['{\n  "summary": "s",\n  "priority": tru\n}\n', 3, 18, "unexpected character '\\n'"],
    ['{\n  "a": [1,\n    2,,\n  ]\n}', 3, 7, "unexpected character ','"],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, "expected ',' or '}', found '\"'"],
    ['{\n  "a": "line\nbreak"\n}', 2, 13, "control character '\\n' in a string"],
    ['{\n  "a": 1\n}\n}\n', 4, 1, "unexpected character '}' after the JSON value"],
    ['{\n  "a": "\u001b[2K"\n}', 2, 9, "control character '\\u001b' in a string"],
    ['{\n  "a": 01\n}', 2, 9, "expected ',' or '}', found '1'"],
    ['{\n  "a": "\\x"\n}', 2, 10, "invalid escape '\\\\x'"],
    ['\ufeff{}', 1, 1, "unexpected character '\\ufeff'"],
    ['{"a":', 1, 6, 'unexpected end of input'],
  ])('%j → line %i, column %i', (text, line, column, reason) => {
    const error = failure(text);
    expect(error.code).toBe('invalid_json');
    expect(error.message).toBe(`request.json: invalid JSON at line ${line}, column ${column}: ${reason}`);
    expect(error.details).toMatchObject({ line, column });
  });

  it('agrees with JSON.parse on what is valid, over many damaged documents', () => {
    const document = JSON.stringify(
      {
        summary: 'Tidy "x"\\n',
        requested_changes: [{ path: 'a/b.txt', n: -1.5e3, ok: true, no: null }],
        e: [],
      },
      null,
      2,
    );
    let seed = 12345;
    const random = (below: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    const alphabet = [
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '\\',
      'e',
      '-',
      '0',
      '1',
      '.',
      't',
      'n',
      ' ',
      '\n',
      'x',
    ];
    for (let round = 0; round < 3000; round += 1) {
      const characters = [...document];
      for (let edit = 0; edit <= random(3); edit += 1) {
        const at = random(characters.length);
        if (random(2) === 0) characters.splice(at, 1);
        else characters.splice(at, 0, alphabet[random(alphabet.length)]!);
      }
      const text = characters.join('');
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      expect(locateJsonSyntaxError(text) === undefined, text).toBe(valid);
    }
  });

  it('locates errors in hostile nesting without overflowing the stack', () => {
    const deep = `${'['.repeat(200_000)}1${']'.repeat(199_999)}`;
    expect(locateJsonSyntaxError(deep)).toMatchObject({
      line: 1,
      column: 400_001,
      reason: 'unexpected end of input',
    });
  });
});
