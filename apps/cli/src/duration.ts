import { InvalidArgumentError } from 'commander';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * Parses a duration option (`--older-than 30d`): a whole number followed by one unit, `s`, `m`,
 * `h`, `d` or `w`, into milliseconds. Anything else is a usage error (exit 2).
 */
export function parseDuration(value: string): number {
  const match = /^(\d{1,9})([smhdw])$/.exec(value.trim());
  if (match === null) {
    throw new InvalidArgumentError(
      'expected a duration such as 90m, 12h, 30d or 2w (a whole number and s, m, h, d or w)',
    );
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
