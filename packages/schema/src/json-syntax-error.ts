/** Where and why JSON text fails to parse. */
export interface JsonSyntaxProblem {
  /** Offset (UTF-16 code units) of the first character that cannot be part of valid JSON. */
  offset: number;
  /** 1-based line of `offset`. */
  line: number;
  /** 1-based column of `offset`. */
  column: number;
  /** What was found there, in words. */
  reason: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/**
 * A character as it can be shown safely in one line: printable ASCII as it is, `\n`-style
 * escapes for the usual controls, `\uXXXX` for anything else (escape sequences, BOM, bidi marks).
 */
function describe(character: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };
  const escaped = [...character]
    .map((unit) =>
      named[unit] !== undefined
        ? named[unit]
        : unit >= ' ' && unit <= '~'
          ? unit
          : `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
    .join('');
  return `'${escaped}'`;
}

type Expectation =
  'value' | 'value-or-end-of-array' | 'key' | 'key-or-end-of-object' | 'colon' | 'comma-or-end' | 'end';

/**
 * Finds the first syntax error in `text` with the grammar `JSON.parse` accepts (RFC 8259),
 * without recursion, so that hostile nesting cannot overflow the stack. Returns undefined when
 * the text is valid JSON. JSON.parse's own messages do not always carry a position (V8 omits it
 * for an unexpected token), so errors are located here.
 */
export function locateJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  let index = 0;
  const containers: Array<'array' | 'object'> = [];
  let expectation = 'value' as Expectation;

  const problem = (reason: string): JsonSyntaxProblem => {
    const before = text.slice(0, index);
    const lineStart = before.lastIndexOf('\n');
    return { offset: index, line: before.split('\n').length, column: index - lineStart, reason };
  };
  const unexpected = (): JsonSyntaxProblem =>
    problem(
      index >= text.length ? 'unexpected end of input' : `unexpected character ${describe(text[index]!)}`,
    );
  const afterValue = (): void => {
    expectation = containers.length === 0 ? 'end' : 'comma-or-end';
  };
  /** Scans a string starting at its opening quote; returns a problem or undefined. */
  const scanString = (): JsonSyntaxProblem | undefined => {
    index += 1;
    for (;;) {
      if (index >= text.length) return problem('unterminated string');
      const character = text[index]!;
      if (character === '"') {
        index += 1;
        return undefined;
      }
      if (character.charCodeAt(0) < 0x20)
        return problem(`control character ${describe(character)} in a string`);
      if (character === '\\') {
        index += 1;
        const escaped = text[index];
        if (escaped === undefined) return problem('unterminated string');
        if (escaped === 'u') {
          for (let digit = 1; digit <= 4; digit += 1) {
            if (!/[0-9a-fA-F]/.test(text[index + digit] ?? '')) {
              index += digit;
              return index >= text.length ? problem('unterminated string') : problem('invalid \\u escape');
            }
          }
          index += 5;
        } else if (ESCAPES.has(escaped)) {
          index += 1;
        } else {
          return problem(`invalid escape ${describe(`\\${escaped}`)}`);
        }
        continue;
      }
      index += 1;
    }
  };
  const digits = (): number => {
    const start = index;
    while (index < text.length && text[index]! >= '0' && text[index]! <= '9') index += 1;
    return index - start;
  };
  /** Scans a number; returns a problem or undefined. */
  const scanNumber = (): JsonSyntaxProblem | undefined => {
    if (text[index] === '-') index += 1;
    if (text[index] === '0') index += 1;
    else if (digits() === 0) return unexpected();
    if (text[index] === '.') {
      index += 1;
      if (digits() === 0) return unexpected();
    }
    if (text[index] === 'e' || text[index] === 'E') {
      index += 1;
      if (text[index] === '+' || text[index] === '-') index += 1;
      if (digits() === 0) return unexpected();
    }
    return undefined;
  };
  const scanLiteral = (literal: string): JsonSyntaxProblem | undefined => {
    for (const character of literal) {
      if (text[index] !== character) return unexpected();
      index += 1;
    }
    return undefined;
  };

  for (;;) {
    while (index < text.length && WHITESPACE.has(text[index]!)) index += 1;
    if (index >= text.length) return expectation === 'end' ? undefined : unexpected();
    const character = text[index]!;
    switch (expectation) {
      case 'end':
        return problem(`unexpected character ${describe(character)} after the JSON value`);
      case 'colon':
        if (character !== ':')
          return problem(`expected ':' after a property name, found ${describe(character)}`);
        index += 1;
        expectation = 'value';
        continue;
      case 'comma-or-end': {
        const container = containers.at(-1);
        const close = container === 'array' ? ']' : '}';
        if (character === ',') {
          index += 1;
          expectation = container === 'array' ? 'value' : 'key';
        } else if (character === close) {
          index += 1;
          containers.pop();
          afterValue();
        } else {
          return problem(`expected ',' or '${close}', found ${describe(character)}`);
        }
        continue;
      }
      case 'key-or-end-of-object':
      case 'key': {
        if (expectation === 'key-or-end-of-object' && character === '}') {
          index += 1;
          containers.pop();
          afterValue();
          continue;
        }
        if (character !== '"') {
          return problem(`expected a double-quoted property name, found ${describe(character)}`);
        }
        const failed = scanString();
        if (failed !== undefined) return failed;
        expectation = 'colon';
        continue;
      }
      case 'value-or-end-of-array':
      case 'value': {
        if (expectation === 'value-or-end-of-array' && character === ']') {
          index += 1;
          containers.pop();
          afterValue();
          continue;
        }
        let failed: JsonSyntaxProblem | undefined;
        if (character === '{') {
          index += 1;
          containers.push('object');
          expectation = 'key-or-end-of-object';
          continue;
        }
        if (character === '[') {
          index += 1;
          containers.push('array');
          expectation = 'value-or-end-of-array';
          continue;
        }
        if (character === '"') failed = scanString();
        else if (character === '-' || (character >= '0' && character <= '9')) failed = scanNumber();
        else if (character === 't') failed = scanLiteral('true');
        else if (character === 'f') failed = scanLiteral('false');
        else if (character === 'n') failed = scanLiteral('null');
        else failed = unexpected();
        if (failed !== undefined) return failed;
        afterValue();
        continue;
      }
    }
  }
}
