import pino, { type Logger } from 'pino';
import { currentRequestId } from './request-context';

export type { Logger };

// Personal data and secrets never reach the logs: these paths are replaced wherever they appear.
const redactPaths = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  '*.email',
  '*.to',
  '*.toAddress',
  '*.password',
  '*.token',
  '*.name',
  '*.familyName',
  '*.givenName',
];

/** Creates the process logger (JSON lines on stdout); a line written for a request or its jobs carries its requestId. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    destination,
  );
}

// Paths whose last segment is a secret (unsubscribe and sign-in links).
const tokenPath = /^(\/(?:unsubscribe|me\/login|me\/link|billing\/card)\/)[^/?#]+/;

/** Removes tokens from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(tokenPath, '$1[redacted]').replace(/([?&](?:token|email|code|_csrf)=)[^&#]*/gi, '$1[redacted]');
}
