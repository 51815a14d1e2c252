import type { AlertTarget } from '@hyperion/schema';

/**
 * How a target is named in logs: a webhook by its scheme, host and port only (its user, password,
 * path and query may be the secret — a Slack webhook's path is), a command by its program only
 * (its arguments may hold a credential).
 */
export function targetLabel(target: AlertTarget): string {
  if (target.webhook !== undefined) {
    try {
      const url = new URL(target.webhook);
      return `webhook ${url.protocol}//${url.host}`;
    } catch {
      return 'webhook';
    }
  }
  return `command ${target.command?.[0] ?? '?'}`;
}
