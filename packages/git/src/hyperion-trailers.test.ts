import { describe, expect, it } from 'vitest';
import { formatHyperionTrailers, parseHyperionTrailers, provesLanding } from './hyperion-trailers.js';

const PATCH = 'a'.repeat(64);
const BLOCK = `Hyperion-Task: T-1\nHyperion-Change: chg-1\nHyperion-Patch: ${PATCH}`;

describe('formatHyperionTrailers', () => {
  it('writes task, change, request (when given) and patch, one line each', () => {
    expect(formatHyperionTrailers({ task: 'T-1', change: 'chg-1', patch: PATCH })).toBe(BLOCK);
    expect(
      formatHyperionTrailers({ task: 'rollback:chg-1', change: 'c', request: 'R-1', patch: PATCH }),
    ).toBe(
      `Hyperion-Task: rollback:chg-1\nHyperion-Change: c\nHyperion-Request: R-1\nHyperion-Patch: ${PATCH}`,
    );
  });

  it('refuses a value that is not one printable token, naming the trailer', () => {
    expect(() => formatHyperionTrailers({ task: 'T\n1', change: 'c', patch: PATCH })).toThrow(
      /trailer Hyperion-Task: "T\\n1" is not one printable token/,
    );
    expect(() => formatHyperionTrailers({ task: 'T', change: 'c d', patch: PATCH })).toThrow(
      /Hyperion-Change/,
    );
    expect(() => formatHyperionTrailers({ task: 'T', change: 'c', request: '', patch: PATCH })).toThrow(
      /Hyperion-Request/,
    );
    expect(() => formatHyperionTrailers({ task: 'T', change: 'c', patch: 'abc' })).toThrow(
      /Hyperion-Patch: 'abc' is not a sha256 patch id/,
    );
  });
});

describe('parseHyperionTrailers', () => {
  it('reads the block Hyperion writes, as the last paragraph after a subject', () => {
    expect(parseHyperionTrailers(`Subject\n\n${BLOCK}\n`)).toEqual({
      task: 'T-1',
      change: 'chg-1',
      patch: PATCH,
    });
    expect(parseHyperionTrailers(`Subject\n\nBody.\n\n${BLOCK}\nHyperion-Request: R-1\n\n`)).toEqual({
      task: 'T-1',
      change: 'chg-1',
      request: 'R-1',
      patch: PATCH,
    });
  });

  it.each([
    ['no subject before the block', `${BLOCK}\n`],
    ['the block in a body paragraph', `Subject\n\n${BLOCK}\n\nprose\n`],
    ['a line that is not a Hyperion trailer', `Subject\n\n${BLOCK}\nSigned-off-by: A <a@b>\n`],
    ['prose in the block', `Subject\n\n${BLOCK}\nand more\n`],
    ['a key in another case', `Subject\n\n${BLOCK.replace('Hyperion-Change', 'hyperion-change')}\n`],
    ['an unknown Hyperion key', `Subject\n\n${BLOCK}\nHyperion-Other: x\n`],
    ['a key twice', `Subject\n\n${BLOCK}\nHyperion-Change: chg-2\n`],
    ['no patch id', 'Subject\n\nHyperion-Task: T-1\nHyperion-Change: chg-1\n'],
    ['a patch id that is not a sha256', `Subject\n\n${BLOCK.replace(PATCH, PATCH.toUpperCase())}\n`],
    ['two spaces after the colon', `Subject\n\n${BLOCK.replace(': chg-1', ':  chg-1')}\n`],
    ['a value with a space', `Subject\n\n${BLOCK.replace('chg-1', 'chg-1 extra')}\n`],
    ['a carriage return', `Subject\r\n\r\n${BLOCK.replace(/\n/g, '\r\n')}\r\n`],
    ['a continuation line', `Subject\n\n${BLOCK}\n  folded\n`],
  ])('finds no block with %s', (_name, message) => {
    expect(parseHyperionTrailers(message)).toBeUndefined();
  });
});

describe('provesLanding', () => {
  const message = `Subject\n\n${BLOCK}\n`;

  it('matches the whole change id and the patch id, case-sensitively', () => {
    expect(provesLanding(message, { changeId: 'chg-1', patchHash: PATCH })).toBe(true);
    expect(provesLanding(message, { changeId: 'chg-', patchHash: PATCH })).toBe(false);
    expect(provesLanding(message, { changeId: 'chg-10', patchHash: PATCH })).toBe(false);
    expect(provesLanding(message, { changeId: 'CHG-1', patchHash: PATCH })).toBe(false);
    expect(provesLanding(message, { changeId: 'chg-1', patchHash: 'b'.repeat(64) })).toBe(false);
  });
});
