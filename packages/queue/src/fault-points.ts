import { reachFaultPoint } from '@hyperion/schema';

export { FAULT_POINTS_VARIABLE, FAULT_POINT_MARKER } from '@hyperion/schema';

/** Places in a worker's attempt where a chaos test may hold it, so a SIGKILL lands in that window. */
export type FaultPointName = 'after-apply' | 'before-checks' | 'after-ref-update';

/**
 * A no-op unless `HYPERION_FAULT_POINTS` names `name`: then it writes
 * `hyperion-fault-point <name> <detail>` to stderr and sleeps the configured milliseconds, so a
 * test watching stderr can kill the process inside that window.
 */
export async function faultPoint(name: FaultPointName, detail = ''): Promise<void> {
  await reachFaultPoint(name, detail);
}
