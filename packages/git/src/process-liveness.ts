import { readFileSync } from 'node:fs';

/** True while a process with this pid exists (on this host); a zombie counts as existing. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fields of `/proc/<pid>/stat` (Linux): the state letter (field 3) and the start time (field 22). */
function procStat(pid: number): { state: string; started: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', started: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** The start time of process `pid` in clock ticks since boot (Linux), or undefined where unknown. */
export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.started;
}

/**
 * True while the process `pid` runs: it exists, is not a zombie (an exited process its parent has
 * not reaped, common for orphans in a container without an init) and, when `started` is given, is
 * the one that started at that time (a pid reused by a later process counts as gone).
 */
export function isSameProcessAlive(pid: number, started: string | undefined): boolean {
  // 0 and negative numbers name process groups, not a process.
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return false;
  const stat = procStat(pid);
  if (stat === undefined) return true;
  return stat.state !== 'Z' && stat.state !== 'X' && (started === undefined || stat.started === started);
}
