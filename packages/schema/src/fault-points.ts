import { setTimeout as sleep } from 'node:timers/promises';

/** The environment variable that arms fault points: `after-ref-update:300,after-apply:200` (ms). */
export const FAULT_POINTS_VARIABLE = 'HYPERION_FAULT_POINTS';

/** The prefix of the line written to stderr when an armed fault point is reached. */
export const FAULT_POINT_MARKER = 'hyperion-fault-point';

let parsedFrom: string | undefined;
let armed = new Map<string, number>();

function armedPoints(): Map<string, number> {
  const text = process.env[FAULT_POINTS_VARIABLE] ?? '';
  if (text !== parsedFrom) {
    parsedFrom = text;
    armed = new Map(
      text
        .split(',')
        .map((item) => item.trim().split(':'))
        .filter(([name, delay]) => name !== undefined && name !== '' && Number.isFinite(Number(delay)))
        .map(([name, delay]) => [name!, Number(delay)]),
    );
  }
  return armed;
}

/**
 * A place in Hyperion's code where a chaos test may hold a process so that a SIGKILL lands in that
 * window. A no-op unless `HYPERION_FAULT_POINTS` names `name`: then it writes
 * `hyperion-fault-point <name> <detail>` to stderr and sleeps the configured milliseconds, so a
 * test watching stderr can kill the process inside that window.
 */
export async function reachFaultPoint(name: string, detail = ''): Promise<void> {
  const delay = armedPoints().get(name);
  if (delay === undefined) return;
  process.stderr.write(`${FAULT_POINT_MARKER} ${name} ${detail}\n`);
  await sleep(delay);
}
