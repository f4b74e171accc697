import type { NextFunction, Request, Response } from 'express';
import onHeaders from 'on-headers';

/**
 * Marks every answer under this mount (pages, downloads, redirects, errors) `Cache-Control: no-store`:
 * what a signed-in person sees must not be kept by the browser or a shared cache. Set as the headers
 * go out, so a later handler (a static file server, a download) cannot loosen it.
 */
export function noStore() {
  return function setNoStore(_req: Request, res: Response, next: NextFunction) {
    onHeaders(res, () => res.setHeader('Cache-Control', 'no-store'));
    next();
  };
}
