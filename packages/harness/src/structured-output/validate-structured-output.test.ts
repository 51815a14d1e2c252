import { describe, expect, it } from 'vitest';
import { parseJsonOutput, validateStructuredOutput } from './validate-structured-output.js';

describe('validateStructuredOutput', () => {
  const schema = {
    type: 'object',
    properties: { files: { type: 'array', items: { type: 'string' }, minItems: 1 } },
    required: ['files'],
  };

  it('accepts output that satisfies the schema and names the path of what breaks it', () => {
    expect(validateStructuredOutput({ files: ['a.ts'] }, schema)).toEqual({
      valid: true,
      value: { files: ['a.ts'] },
    });
    const broken = validateStructuredOutput({ files: ['a.ts', 4] }, schema);
    expect(broken.valid).toBe(false);
    expect(!broken.valid && broken.problems[0]).toMatch(/^files\.\[1\]: /);
  });

  it('reports a schema it cannot read instead of passing everything', () => {
    const result = validateStructuredOutput({}, { type: 'no-such-type' });
    expect(result.valid).toBe(false);
  });
});

describe('parseJsonOutput', () => {
  it('reads the whole text, else its last line', () => {
    expect(parseJsonOutput('{"a":1}')).toEqual({ parsed: true, value: { a: 1 } });
    expect(parseJsonOutput('thinking…\n{"a":2}\n')).toEqual({ parsed: true, value: { a: 2 } });
    expect(parseJsonOutput('not json')).toEqual({ parsed: false });
  });
});
