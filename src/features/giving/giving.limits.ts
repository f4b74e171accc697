import type { AppContext } from '../../context';
import { createLimit } from '../../lib/rate-limit';
import { byClient, byFormEmail, limitRequests } from '../../web/rate-limit';

// Join and give start a Stripe Checkout Session and store a supporter and a consent each time: limited
// per client address (10 in 10 minutes) and per email address (5 in an hour), counted before the form is
// read. While Redis is down they are counted in this process's memory (public forms keep working).

/** The middlewares that limit POST /family/join and POST /give (429 page with Retry-After). */
export function givingLimits(ctx: AppContext) {
  const limit = (name: string, points: number, windowSeconds: number) =>
    createLimit(ctx.queues.connection, ctx.config.queuePrefix, { name, points, windowSeconds, whenRedisDown: 'memory' });
  return {
    join: limitRequests([limit('join-ip', 10, 10 * 60), byClient], [limit('join-address', 5, 60 * 60), byFormEmail]),
    give: limitRequests([limit('give-ip', 10, 10 * 60), byClient], [limit('give-address', 5, 60 * 60), byFormEmail]),
  };
}
