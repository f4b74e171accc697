import type { AppContext } from '../../context';
import { createLimit } from '../../lib/rate-limit';

// Limits on staff sign-in, counted in Redis before the password or code is checked, so concurrent guesses
// cannot all be checked. All fail closed: while Redis is down, sign-in answers 503 with Retry-After.

/** Wrong codes one started sign-in may send; the last of them voids it (start again from the password). */
export const CODES_PER_SIGN_IN = 5;
/** Wrong codes per staff account in an hour, whichever sign-ins they came through. */
export const CODES_PER_ACCOUNT = 10;

/** The three sign-in limits of a process. */
export function signInLimits(ctx: AppContext) {
  const limit = (name: string, points: number, windowSeconds: number) =>
    createLimit(ctx.queues.connection, ctx.config.queuePrefix, { name, points, windowSeconds, whenRedisDown: 'closed' });
  return {
    /** Failed password sign-ins per client address, 20 in 15 minutes; a right password gives its hit back. */
    perClient: limit('staff-login-ip', 20, 15 * 60),
    /** Wrong codes per started sign-in; the window outlives the sign-in itself (5 minutes). */
    perSignIn: limit('staff-code-sign-in', CODES_PER_SIGN_IN, 10 * 60),
    /**
     * Wrong codes per account. A right code gives back only its own hit and never resets the count, so a
     * guesser who has the password gains nothing by waiting for the owner to sign in between guesses.
     */
    perAccount: limit('staff-code-account', CODES_PER_ACCOUNT, 60 * 60),
  };
}
