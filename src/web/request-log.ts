import type { NextFunction, Request, Response } from 'express';
import { redactUrl, type Logger } from '../lib/logger';

/** One log line per request (id, method, URL without tokens, status, duration); health checks, scrapes and assets are skipped. */
export function requestLog(logger: Logger) {
  return function logRequest(req: Request, res: Response, next: NextFunction) {
    if (req.url === '/healthz' || req.url === '/metrics' || req.url.startsWith('/assets/') || !logger.isLevelEnabled('info')) return next();
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // 'finish' may fire outside the request's async context: the id is named here, not left to the logger.
      logger.info({ requestId: req.requestId, method: req.method, url: redactUrl(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}
