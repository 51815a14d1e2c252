import { userInfo } from 'node:os';

/** Who is acting: `--by`, else `HYPERION_USER`, else the operating-system user. */
export function actorName(by: string | undefined): string {
  if (by !== undefined && by.trim() !== '') return by.trim();
  const fromEnvironment = process.env['HYPERION_USER'];
  if (fromEnvironment !== undefined && fromEnvironment.trim() !== '') return fromEnvironment.trim();
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
