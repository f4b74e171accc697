import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createApp } from './app';
import type { AppContext } from './context';
import { metricsRoutes } from './features/health';

export interface RunningWeb {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the HTTP server. close() stops accepting connections, answers the requests already open
 * (with `Connection: close`, so a proxy's keep-alive connection is not reused for another request),
 * closes idle connections and resolves once the last open one has ended.
 */
export async function startWeb(ctx: AppContext, port = ctx.config.port, host = ctx.config.host): Promise<RunningWeb> {
  const app = createApp(ctx);
  let isClosing = false;
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    if (isClosing) res.setHeader('Connection', 'close');
    open.add(res);
    res.once('close', () => open.delete(res));
    app(req, res);
  });
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
        isClosing = true;
        server.close(() => resolve());
        for (const res of open) {
          if (!res.headersSent) res.setHeader('Connection', 'close');
          // An answer already under way keeps its keep-alive header: its connection is closed once it is idle.
          else res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
        }
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
