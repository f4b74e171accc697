import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './errors';

const NUL = '\u0000';

function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  // Parsed bodies are at most 64 kB; deeper nesting than any form makes is not searched further.
  if (value === null || typeof value !== 'object' || depth > 32) return false;
  if (Array.isArray(value)) return value.some((v) => holdsNul(v, depth + 1));
  return Object.entries(value).some(([key, v]) => key.includes(NUL) || holdsNul(v, depth + 1));
}

function pathHoldsNul(path: string): boolean {
  if (!/%00/.test(path)) return false;
  try {
    return decodeURIComponent(path).includes(NUL);
  } catch {
    return true; // %00 beside an invalid escape: refused all the same
  }
}

/**
 * Refuses (400) a request with U+0000 in its path, query or parsed body, names included. No field of
 * the app may hold it and PostgreSQL text cannot store or even compare it (the query fails), so it is
 * stopped here, before any handler builds a query with it.
 */
export function refuseNul() {
  return function checkNul(req: Request, _res: Response, next: NextFunction) {
    if (pathHoldsNul(req.path) || holdsNul(req.query) || holdsNul(req.body)) return next(new HttpError(400, 'NUL character in the request'));
    next();
  };
}
