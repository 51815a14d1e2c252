import { InvalidArgumentError } from 'commander';
import { ChangeRequestSchema, HyperionConfigSchema, QUEUE_STATES, type QueueState } from '@hyperion/schema';

/**
 * Parsers for option values, given to commander so that a bad value is a usage error (exit 2)
 * before the command does any work: nothing is read, enqueued or written first.
 */

/** Parses a whole number in `[minimum, maximum]` (digits with an optional sign, nothing else). */
export function integerInRange(minimum: number, maximum: number): (value: string) => number {
  return (value) => {
    const number = /^[+-]?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < minimum || number > maximum) {
      throw new InvalidArgumentError(`expected a whole number from ${minimum} to ${maximum}`);
    }
    return number;
  };
}

const WORKERS = HyperionConfigSchema.shape.workers.unwrap();
const PRIORITY = ChangeRequestSchema.shape.priority.unwrap();

/** `--workers <count>`: the config schema's range (1…32). */
export const parseWorkerCount = integerInRange(WORKERS.minValue ?? 1, WORKERS.maxValue ?? 32);

/** `--priority <n>`: the change request schema's range (-1000…1000). */
export const parsePriority = integerInRange(PRIORITY.minValue ?? -1000, PRIORITY.maxValue ?? 1000);

/** `--limit <n>`: how many rows to show. */
export const parseLimit = integerInRange(1, 1_000_000);

/** `--state <state...>`: each value one of the queue states; collects repeated values. */
export function parseQueueState(value: string, previous: QueueState[] | undefined): QueueState[] {
  if (!(QUEUE_STATES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${QUEUE_STATES.join(', ')}`);
  }
  return [...(previous ?? []), value as QueueState];
}

/** A `--check NAME=COMMAND` value. */
export interface CheckOption {
  name: string;
  command: string;
}

/** `--check <name=command...>`: collects `NAME=COMMAND` pairs. */
export function parseCheckOption(value: string, previous: CheckOption[] | undefined): CheckOption[] {
  const separator = value.indexOf('=');
  if (separator <= 0 || separator === value.length - 1) {
    throw new InvalidArgumentError("expected NAME=COMMAND, for example test='npm test'");
  }
  return [...(previous ?? []), { name: value.slice(0, separator), command: value.slice(separator + 1) }];
}

/** What git refuses in a branch name (see `git check-ref-format`). */
// eslint-disable-next-line no-control-regex
const INVALID_BRANCH_NAME = /[\u0000-\u001f\u007f ~^:?*[\\]|\.\.|@\{|^[-/.]|[/.]$|\.lock$|\/\//;

/** `--target-branch <branch>`: a name git could hold under refs/heads/ (existence is checked later). */
export function parseBranchName(value: string): string {
  if (value.trim() === '' || INVALID_BRANCH_NAME.test(value)) {
    throw new InvalidArgumentError('expected a git branch name');
  }
  return value;
}
