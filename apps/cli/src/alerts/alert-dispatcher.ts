import type { AlertTarget } from '@hyperion/schema';
import type { AlertEvent } from './alert-event.js';
import { deliverToCommand } from './deliver-command.js';
import { deliverToWebhook } from './deliver-webhook.js';
import { targetLabel } from './target-label.js';

/** What the dispatcher logs through (a pino logger fits; its lines are redacted). */
export interface AlertLogger {
  info(record: Record<string, unknown>, message: string): void;
  warn(record: Record<string, unknown>, message: string): void;
  error(record: Record<string, unknown>, message: string): void;
}

/** The longest wait between two deliveries of one alert. */
const MAX_BACKOFF_MS = 60_000;
/** Alerts waiting per target beyond which the oldest is dropped (and that is logged). */
const MAX_PENDING = 1_000;

/** How one target is delivered to; tests of the retry logic may pass their own. */
export type Deliver = (target: AlertTarget, body: string, alert: AlertEvent) => Promise<void>;

/** Delivers to a command or a webhook, as the target says. */
export const deliverToTarget: Deliver = (target, body, alert) => {
  if (target.webhook !== undefined) {
    return deliverToWebhook(target.webhook, body, {
      timeoutMs: target.timeout_ms,
      label: targetLabel(target),
    });
  }
  return deliverToCommand(target.command ?? [], body, {
    timeoutMs: target.timeout_ms,
    passed: target.env,
    eventName: alert.event,
  });
};

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * Sends alerts to their targets off the queue's path: {@link AlertDispatcher.notify} only queues
 * the alert and returns; each target has its own delivery loop, one alert at a time, in order. A
 * failed delivery is logged and retried `retries` times with doubling backoff, then given up
 * (logged as an error); a slow or dead target holds up neither the workers nor the other targets.
 */
export class AlertDispatcher {
  private readonly pending = new Map<AlertTarget, AlertEvent[]>();
  private readonly running = new Map<AlertTarget, Promise<void>>();

  constructor(
    private readonly targets: readonly AlertTarget[],
    private readonly logger: AlertLogger,
    private readonly deliver: Deliver = deliverToTarget,
  ) {}

  /** Queues `alert` for every target that wants its event; never waits and never throws. */
  notify(alert: AlertEvent): void {
    for (const target of this.targets) {
      if (!target.on.includes(alert.event)) continue;
      const waiting = this.pending.get(target) ?? [];
      if (waiting.length >= MAX_PENDING) {
        const dropped = waiting.shift()!;
        this.logger.error(
          { alert: targetLabel(target), event: dropped.event, entry: dropped.entry.id },
          'alert dropped: too many alerts waiting for this target',
        );
      }
      waiting.push(alert);
      this.pending.set(target, waiting);
      if (!this.running.has(target)) this.running.set(target, this.drain(target));
    }
  }

  /** Resolves when every queued alert was delivered or given up (retries are bounded). */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private async drain(target: AlertTarget): Promise<void> {
    const waiting = this.pending.get(target)!;
    try {
      for (let alert = waiting.shift(); alert !== undefined; alert = waiting.shift()) {
        await this.deliverWithRetries(target, alert);
      }
    } finally {
      // In the same step that found the queue empty: an alert queued a moment later starts a new
      // loop (a `.finally` on the loop's promise runs later, and an alert queued in between
      // would wait with no loop to deliver it, unseen by `flush`).
      this.running.delete(target);
    }
  }

  private async deliverWithRetries(target: AlertTarget, alert: AlertEvent): Promise<void> {
    const body = JSON.stringify(alert);
    const record = { alert: targetLabel(target), event: alert.event, entry: alert.entry.id };
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.deliver(target, body, alert);
        this.logger.info({ ...record, attempt }, 'alert delivered');
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (attempt > target.retries) {
          this.logger.error({ ...record, attempt, error: message }, 'alert failed; giving up');
          return;
        }
        const delay = Math.min(target.backoff_ms * 2 ** (attempt - 1), MAX_BACKOFF_MS);
        this.logger.warn(
          { ...record, attempt, error: message, retry_in_ms: delay },
          'alert failed; retrying',
        );
        await sleep(delay);
      }
    }
  }
}
