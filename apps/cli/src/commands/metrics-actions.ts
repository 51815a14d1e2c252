import { resolve } from 'node:path';
import { hyperionPaths } from '@hyperion/queue/workspace';
import { readQueueMetrics } from '@hyperion/store';
import { formatMetricsText } from '../metrics-text.js';
import { formatPrometheus } from '../metrics-prometheus.js';
import type { CommandOutput } from '../output.js';
import { openExistingStore } from '../store-access.js';

/** Options of `hyperion metrics`. */
export interface MetricsOptions {
  repo?: string;
  /** The window's length in milliseconds (`--since`, parsed). */
  since?: number;
  json?: boolean;
  prom?: boolean;
}

/** Reads the queue's metrics from the store and prints them as text, JSON or Prometheus text. */
export async function printMetrics(options: MetricsOptions, output: CommandOutput): Promise<void> {
  const store = await openExistingStore(hyperionPaths(resolve(options.repo ?? '.')));
  try {
    const now = store.now();
    const metrics = await readQueueMetrics(store, {
      now,
      ...(options.since === undefined ? {} : { since: now - options.since }),
    });
    const states = await store.countByState();
    if (options.json === true) output.json({ ...metrics, queue: states });
    else if (options.prom === true) output.line(formatPrometheus(metrics, { states }).trimEnd());
    else for (const line of formatMetricsText(metrics, states)) output.line(line);
  } finally {
    await store.close();
  }
}
