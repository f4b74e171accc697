import type { NextFunction, Request, Response } from 'express';
import { acceptRequestId, runWithRequestId } from '../lib/request-context';

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's id: a sane inbound X-Request-Id, otherwise a new UUID. */
    requestId: string;
  }
}

/**
 * Gives every request an id: the caller's X-Request-Id when it is short and plain
 * ([A-Za-z0-9._-], at most 64), otherwise a new UUID. It is sent back in X-Request-Id, and the rest of
 * the request runs under it, so its log lines and the jobs it writes to the outbox carry it.
 */
export function requestId() {
  return function assignRequestId(req: Request, res: Response, next: NextFunction) {
    const id = acceptRequestId(req.get('x-request-id'));
    req.requestId = id;
    res.setHeader('X-Request-Id', id);
    runWithRequestId(id, next);
  };
}
