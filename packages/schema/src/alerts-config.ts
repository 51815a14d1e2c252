import * as z from 'zod';

/**
 * What an alert target can be told about: an entry `quarantined`, an entry `conflicted`, and
 * (opt-in, it is noisy) every `check_failed`, including failures on speculative trees that later land.
 */
export const ALERT_EVENT_NAMES = ['quarantined', 'conflicted', 'check_failed'] as const;
/** The name of an alert event. */
export type AlertEventName = (typeof ALERT_EVENT_NAMES)[number];

/** The problem with a webhook URL, or undefined: it must be an absolute http:// or https:// URL. */
export function webhookUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL itself is not quoted: it may carry a credential.
    return 'must be an absolute http:// or https:// URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `must be an http:// or https:// URL, not ${parsed.protocol}`;
  }
  return undefined;
}

/**
 * One alert target: a command (run without a shell, the event as JSON on its standard input) or a
 * webhook (the event POSTed as JSON), told about the events in `on`. A failed delivery is logged
 * and retried with backoff; it never holds up the queue.
 */
export const AlertTargetSchema = z
  .strictObject({
    command: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'The program and its arguments (argv, no shell). It gets the event as JSON on standard input and must exit 0.',
      ),
    webhook: z
      .string()
      .superRefine((url, context) => {
        const problem = webhookUrlProblem(url);
        if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(
        'An http:// or https:// URL the event is POSTed to as JSON; any 2xx answer is a delivery. Credentials in it (user:password@) are sent as basic authentication and never logged.',
      ),
    on: z
      .array(z.enum(ALERT_EVENT_NAMES))
      .min(1)
      .default(['quarantined', 'conflicted'])
      .describe(
        'The events this target receives: quarantined, conflicted, check_failed (default: the first two).',
      ),
    timeout_ms: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(10_000)
      .describe('How long one delivery may take before it is stopped and counted as failed.'),
    retries: z.number().int().min(0).max(10).default(3).describe('Further deliveries after a failed one.'),
    backoff_ms: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(1_000)
      .describe('Delay before the first retry; doubles each retry, at most 60 s.'),
    env: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name (letters, digits, _)'))
      .default([])
      .describe(
        "Command targets: variables passed from the worker's environment (besides PATH, HOME and LANG). A secret it needs must be named here.",
      ),
  })
  .superRefine((target, context) => {
    if ((target.command === undefined) === (target.webhook === undefined)) {
      context.addIssue({ code: 'custom', message: 'give exactly one of command or webhook' });
    }
  })
  .describe('An alert target: a command or a webhook.');
/** An alert target with defaults filled in. */
export type AlertTarget = z.infer<typeof AlertTargetSchema>;
