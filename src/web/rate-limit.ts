import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { t } from '../lib/i18n';
import { firstRefusal, type Limit, type Refusal } from '../lib/rate-limit';
import { emailKey } from '../lib/email-address';

/** The client's address (behind the proxies TRUST_PROXY names, the one they report). */
export const byClient = (req: Request): string | undefined => req.ip;

/** The form's email address, normalized; undefined when the form has none (then that limit is skipped). */
export const byFormEmail = (req: Request): string | undefined => {
  const email = (req.body ?? {}).email;
  return typeof email === 'string' && email.trim() ? emailKey(email.slice(0, 254)) : undefined;
};

/** Answers a refusal: 429 when a limit is reached, 503 when the limit cannot be counted; Retry-After on both. */
export function sendRefusal(req: Request, res: Response, refusal: Refusal): void {
  const status = refusal.outcome === 'limited' ? 429 : 503;
  res.status(status).set('Retry-After', String(refusal.retryAfterSeconds)).set('Cache-Control', 'no-store');
  res.render('errors/error', { status, title: t(req.locale, `errors.${status}.title`), message: t(req.locale, `errors.${status}.body`) });
}

/** Middleware: counts the request on each limit in order (keyed by `keyOf`) and answers the first refusal. */
export function limitRequests(...checks: [Limit, (req: Request) => string | undefined][]): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const hits = checks.flatMap(([limit, keyOf]): [Limit, string][] => {
      const key = keyOf(req);
      return key === undefined ? [] : [[limit, key]];
    });
    const refusal = await firstRefusal(hits);
    if (refusal) return sendRefusal(req, res, refusal);
    next();
  };
}
