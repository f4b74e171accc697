import type { NextFunction, Request, Response } from 'express';
import { isLocale, type Locale } from '../lib/i18n';
import { samePathLink } from './safe-next';

declare module 'express-serve-static-core' {
  interface Request {
    locale: Locale;
  }
}

/**
 * Chooses the page language: `?lang=` (remembered in a cookie), then the cookie, then Japanese.
 * Sets res.locals for the layout: locale, the other language and the link to switch to it.
 */
export function localeMiddleware(opts: { secure: boolean }) {
  return function locale(req: Request, res: Response, next: NextFunction) {
    const query = req.query.lang;
    const cookie: unknown = req.cookies?.lang;
    let locale: Locale = 'ja';
    if (isLocale(query)) {
      locale = query;
      if (cookie !== query) res.cookie('lang', query, { sameSite: 'lax', secure: opts.secure, maxAge: 365 * 24 * 3600 * 1000, httpOnly: true });
    } else if (isLocale(cookie)) {
      locale = cookie;
    }
    req.locale = locale;
    const other: Locale = locale === 'ja' ? 'en' : 'ja';
    const params = new URLSearchParams(req.query as Record<string, string>);
    params.set('lang', other);
    res.locals.locale = locale;
    res.locals.otherLocale = other;
    res.locals.switchLocaleUrl = samePathLink(req.path, params.toString());
    next();
  };
}
