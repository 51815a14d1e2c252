import type { HyperionStore } from '@hyperion/store';
import { integerInRange } from './option-parsers.js';
import type { CommandOutput } from './output.js';

/** `--metrics-port <port>`: 0 (a free port, printed) to 65535; anything else is a usage error. */
export const parseMetricsPort = integerInRange(0, 65_535);

/** The help text of `--metrics-port` on `run` and `worker`. */
export const METRICS_PORT_HELP =
  'serve Prometheus metrics at http://127.0.0.1:<port>/metrics (0: any free port)';

/**
 * Runs `work` with the metrics server on `port` (when given) for as long as it runs: the server
 * is started first (its address printed on stderr) and closed afterwards, however `work` ends.
 * The server's code is loaded only when a port is given.
 */
export async function serveMetricsWhile<T>(
  store: HyperionStore,
  port: number | undefined,
  output: CommandOutput,
  work: () => Promise<T>,
): Promise<T> {
  if (port === undefined) return work();
  const { startMetricsServer } = await import('./metrics-server.js');
  const server = await startMetricsServer({
    store,
    port,
    onError: (error) =>
      output.error(`metrics: a scrape failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  output.error(`Metrics at ${server.url}`);
  try {
    return await work();
  } finally {
    await server.close();
  }
}
