// Errors that mean a backing service (PostgreSQL) cannot be reached right now, as opposed to a bug:
// the request is answered 503 with Retry-After, so people and Stripe try again instead of giving up.

// Connection failures from the socket, and PostgreSQL's SQLSTATEs for connection trouble, shutdown and overload.
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const UNREACHABLE_MESSAGES = [/timeout exceeded when trying to connect/i, /connection terminated/i, /Client has encountered a connection error/i, /Connection ended unexpectedly/i];

/** Seconds a client is asked to wait before trying again while a service is unreachable. */
export const RETRY_AFTER_SECONDS = 30;

/** True when the error (or one it wraps, as Drizzle does) says the database could not be reached. */
export function isServiceUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (typeof message === 'string' && UNREACHABLE_MESSAGES.some((m) => m.test(message))) return true;
  }
  return false;
}
