import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { findSupporterById, followMerges, type Supporter } from '../supporters';

declare module 'express-session' {
  interface SessionData {
    supporterId?: string;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The supporter signed in on My page (set by loadSupporter). */
    supporter?: Supporter;
  }
}

/** Loads the signed-in supporter for every /me request; an erased supporter's session ends. */
export function loadSupporter(ctx: AppContext) {
  return async function load(req: Request, res: Response, next: NextFunction) {
    const id = req.session?.supporterId;
    if (id) {
      const found = await findSupporterById(ctx.db, id);
      const supporter = found ? await followMerges(ctx.db, found) : undefined;
      if (supporter && !supporter.erasedAt) {
        req.supporter = supporter;
        res.locals.supporter = supporter;
      } else {
        delete req.session.supporterId;
      }
    }
    next();
  };
}

/** Requires a signed-in supporter: GET goes to the sign-in page, anything else gets 403. */
export function requireSupporter(req: Request, res: Response, next: NextFunction) {
  if (req.supporter) return next();
  if (req.method === 'GET' || req.method === 'HEAD') return res.redirect(302, '/me');
  res.status(403).render('errors/error', { status: 403, title: '403', message: t(req.locale, 'me.signInFirst') });
}
