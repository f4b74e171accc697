import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createApp } from './app';
import type { AppContext } from './context';
import { metricsRoutes } from './features/health/metrics.routes';

export interface RunningWeb {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts the HTTP server; close() stops accepting and waits for open requests. */
export async function startWeb(ctx: AppContext, port = ctx.config.port, host = ctx.config.host): Promise<RunningWeb> {
  const app = createApp(ctx);
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  // The web role also dispatches the outbox, so a job written by a request is queued at once.
  ctx.dispatcher.start();
  const actual = (server.address() as AddressInfo).port;
  ctx.connectSandboxWebhooks?.(`http://127.0.0.1:${actual}/webhooks/stripe`);
  ctx.logger.info({ host, port: actual }, 'web listening');
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      }),
  };
}

/**
 * A worker process's own GET /metrics (METRICS_PORT): the worker has no web server, and its
 * counts (jobs, webhook lag, newsletter messages, SMTP errors) live in its own process.
 */
export async function startMetricsServer(ctx: AppContext, port: number, host = ctx.config.host): Promise<RunningWeb> {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRoutes(ctx));
  const server = http.createServer(app);
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = (server.address() as AddressInfo).port;
  ctx.logger.info({ host, port: actual }, 'worker metrics listening');
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
