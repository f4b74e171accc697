import type { NextFunction, Request, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's headers, computed once: none of our directives depend on the request (no nonces), so the
 * same header set is applied to every response in one step instead of eleven middleware calls.
 */
export function securityHeaders(options: HelmetOptions) {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => headers.set(name, value),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  helmet(options)({} as Request, recorder as unknown as Response, () => undefined);
  return function applySecurityHeaders(_req: Request, res: Response, next: NextFunction) {
    res.setHeaders(headers);
    res.removeHeader('X-Powered-By');
    next();
  };
}
