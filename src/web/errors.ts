import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../lib/logger';
import { t, isLocale, tDynamic } from '../lib/i18n';
import { isServiceUnavailable, RETRY_AFTER_SECONDS } from './unavailable';

/** The 404 page for any route nobody answered. */
export function notFound(req: Request, res: Response) {
  res.status(404);
  if (!req.accepts('html')) return res.json({ error: 'not_found' });
  res.render('errors/error', { status: 404, title: t(req.locale ?? 'ja', 'errors.404.title'), message: t(req.locale ?? 'ja', 'errors.404.body') });
}

function statusOf(err: unknown): number {
  if (isServiceUnavailable(err)) return 503;
  const status = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

const knownPages = new Set([400, 403, 404, 413, 415, 429, 503]);

/** Renders errors as pages (or JSON for API callers); 5xx are logged with their stack. */
export function errorHandler(logger: Logger) {
  return function handleError(err: unknown, req: Request, res: Response, _next: NextFunction) {
    const status = statusOf(err);
    if (status === 503) logger.warn({ err: { message: (err as Error).message }, path: req.path }, 'service unavailable: answered 503');
    else if (status >= 500) logger.error({ err, path: req.path }, 'request failed');
    if (res.headersSent) return;
    res.status(status);
    // A database outage: browsers and Stripe's webhook retries are asked to come back shortly.
    if (status === 503) res.set('Retry-After', String(RETRY_AFTER_SECONDS)).set('Cache-Control', 'no-store');
    const locale = isLocale(req.locale) ? req.locale : 'ja';
    const key = knownPages.has(status) ? String(status) : status >= 500 ? '500' : '400';
    if (!req.accepts('html') || req.path.startsWith('/webhooks/')) {
      return res.json({ error: tDynamic('en', 'errors.', `${key}.title`) });
    }
    res.render('errors/error', { status, title: tDynamic(locale, 'errors.', `${key}.title`), message: tDynamic(locale, 'errors.', `${key}.body`) }, (renderErr, html) => {
      // A broken template must not hide the original error behind a second one.
      if (renderErr) return res.type('text/plain').send(`${status} ${tDynamic(locale, 'errors.', `${key}.title`)}`);
      res.send(html);
    });
  };
}
