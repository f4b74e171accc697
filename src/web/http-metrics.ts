import type { NextFunction, Request, Response } from 'express';
import { durationBuckets, type Metrics } from '../lib/metrics';

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The route a request matched as its pattern (`/admin/supporters/:id`), never the URL itself, which
 * carries ids and tokens. A request answered by middleware mounted on a fixed path (static files,
 * the queue dashboard's assets) is named after the mount; one nobody answered is `unmatched`.
 */
export function routeLabel(req: Request): string {
  // Mount paths here are fixed strings; lower case keeps /ASSETS and /assets one series.
  const base = req.baseUrl.toLowerCase();
  const pattern = req.route?.path as unknown;
  if (typeof pattern === 'string') return `${base}${pattern}` || '/';
  return base ? `${base}/*` : 'unmatched';
}

/** Observes every request's duration in `http_request_duration_seconds` by method, route pattern and status class. */
export function httpMetrics(metrics: Metrics) {
  const duration = metrics.histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status class',
    labelNames: ['method', 'route', 'status'],
    buckets: durationBuckets,
  });
  return function measureRequest(req: Request, res: Response, next: NextFunction) {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const method = knownMethods.has(req.method) ? req.method : 'OTHER';
      duration.observe({ method, route: routeLabel(req), status: `${Math.floor(res.statusCode / 100)}xx` }, seconds);
    });
    next();
  };
}
