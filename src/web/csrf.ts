import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const COOKIE = 'wf_csrf';

declare module 'express-serve-static-core' {
  interface Request {
    /** The CSRF token to put in a form's `_csrf` field (sets the cookie it is bound to). */
    csrfToken(): string;
  }
}

const isMultipart = (req: Request) => /^multipart\/form-data\s*(;|$)/i.test(req.get('content-type') ?? '');

export class CsrfError extends Error {
  readonly status = 403;
}

/**
 * Signed double-submit CSRF protection (OWASP): the cookie holds a random id, the form holds
 * HMAC(secret, id). No server state, so anonymous pages stay cacheable and write nothing.
 * `exempt` lists paths that are authenticated otherwise (webhook signatures, unsubscribe tokens).
 */
export function csrfProtection(opts: { secret: string; secure: boolean; exempt: (req: Request) => boolean }) {
  const sign = (id: string) => crypto.createHmac('sha256', opts.secret).update(`csrf:${id}`).digest('base64url');

  return function csrf(req: Request, res: Response, next: NextFunction) {
    const existing: unknown = req.cookies?.[COOKIE];
    const cookieId = typeof existing === 'string' && /^[\w-]{20,64}$/.test(existing) ? existing : undefined;

    req.csrfToken = () => {
      let id = cookieId ?? (res.locals.csrfId as string | undefined);
      if (!id) {
        // randomUUID draws from a cached entropy pool: 122 random bits without a syscall per visitor.
        id = crypto.randomUUID().replaceAll('-', '');
        res.locals.csrfId = id;
        res.cookie(COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: opts.secure, path: '/' });
      }
      return sign(id);
    };

    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method) || opts.exempt(req)) return next();
    const body = req.body as Record<string, unknown> | undefined;
    // A multipart body (file upload) is parsed later by its route, so its form puts the token in the
    // query string. Only multipart requests may do that: every other form keeps it out of URLs.
    const fromQuery = isMultipart(req) ? (req.query as Record<string, unknown> | undefined)?._csrf : undefined;
    const sent = body?._csrf ?? req.get('x-csrf-token') ?? fromQuery;
    if (!cookieId || typeof sent !== 'string') return next(new CsrfError('missing CSRF token'));
    const expected = Buffer.from(sign(cookieId));
    const actual = Buffer.from(sent);
    if (expected.length !== actual.length || !crypto.timingSafeEqual(expected, actual)) {
      return next(new CsrfError('invalid CSRF token'));
    }
    next();
  };
}
