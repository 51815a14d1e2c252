import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HyperionError } from '@hyperion/schema';
import { QueueMetricsFollower, type HyperionStore } from '@hyperion/store';
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from './metrics-prometheus.js';

/** The only address the metrics server listens on: loopback, never another interface. */
export const METRICS_HOST = '127.0.0.1';

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** The store the metrics are read from, on each scrape. */
  store: HyperionStore;
  /** The TCP port; 0 picks a free one (see {@link MetricsServer.port}). */
  port: number;
  /** Called with a scrape that failed (it is answered 500 without details). */
  onError?: (error: unknown) => void;
}

/** A running metrics server. */
export interface MetricsServer {
  /** The port it listens on (the chosen one when 0 was asked). */
  readonly port: number;
  /** `http://127.0.0.1:<port>/metrics`. */
  readonly url: string;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

function answer(
  response: ServerResponse,
  status: number,
  text: string,
  type = 'text/plain; charset=utf-8',
): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(text);
}

/**
 * Serves `GET /metrics` on loopback in the Prometheus text format: each scrape reads the events
 * written since the previous one (a {@link QueueMetricsFollower}), so the counters count the whole
 * log and only grow. Any other path is 404; another method on `/metrics` is 405. A port that is
 * taken or not allowed is a `usage` error naming it.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const follower = new QueueMetricsFollower(options.store);
  const scrape = async (response: ServerResponse): Promise<void> => {
    try {
      const metrics = await follower.read();
      const states = await options.store.countByState();
      answer(response, 200, formatPrometheus(metrics, { states }), PROMETHEUS_CONTENT_TYPE);
    } catch (error) {
      options.onError?.(error);
      answer(response, 500, 'metrics unavailable\n');
    }
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') return answer(response, 404, 'not found: the metrics are at /metrics\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return answer(response, 405, 'method not allowed\n');
    }
    void scrape(response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'is in use'
          : error.code === 'EACCES'
            ? 'is not allowed'
            : 'cannot be opened';
      reject(
        new HyperionError(
          'usage',
          `--metrics-port ${options.port}: port ${options.port} on ${METRICS_HOST} ${why}`,
          {
            cause: error,
            details: { port: options.port },
          },
        ),
      );
    });
    server.listen(options.port, METRICS_HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://${METRICS_HOST}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
