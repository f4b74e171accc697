import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from 'rate-limiter-flexible';

// Limits shared by every web process, counted in Redis by rate-limiter-flexible (pinned): each hit is
// counted first, atomically (one Lua script: INCRBY with the window's expiry), and the answer is decided
// from that count, so concurrent requests cannot all pass a check made before any of them was counted.
//
// When Redis does not answer (not connected, or no reply within a second), each limit does what its
// `whenRedisDown` says:
// - 'closed': the hit is refused as 'unavailable' (the caller answers 503 with Retry-After). Staff sign-in
//   and the two-factor step: an uncounted guess is worth more than a short wait for staff.
// - 'memory': counted in this process's memory until Redis answers again (the library's insurance
//   limiter). The public forms keep working and stay limited, per process and counted from zero.

export interface LimitOptions {
  /** Part of the Redis key; one name per limit. */
  name: string;
  /** Hits allowed per key in a window. */
  points: number;
  windowSeconds: number;
  whenRedisDown: 'closed' | 'memory';
}

export type Verdict = { outcome: 'allowed'; remaining: number } | { outcome: 'limited'; retryAfterSeconds: number } | { outcome: 'unavailable'; retryAfterSeconds: number };

export interface Limit {
  readonly options: LimitOptions;
  /** Counts one hit for the key, then says whether it is within the limit. */
  hit(key: string): Promise<Verdict>;
  /** Takes one hit back (a sign-in that turned out right is not held against the address). */
  refund(key: string): Promise<void>;
}

/** How long a refused client is asked to wait while Redis is not answering. */
export const UNAVAILABLE_RETRY_SECONDS = 30;
const REDIS_TIMEOUT_MS = 1000;

// Keys hold a hash of the address or id, never the address itself (no personal data in Redis).
const keyOf = (key: string) => crypto.createHash('sha256').update(key).digest('hex').slice(0, 32);

/** A limit of `points` hits per key per window, kept in Redis under `<prefix>:limit:<name>:`. */
export function createLimit(redis: Redis, prefix: string, options: LimitOptions): Limit {
  const shape = { keyPrefix: `${prefix}:limit:${options.name}`, points: options.points, duration: options.windowSeconds };
  // rejectIfRedisNotReady: the app's connection queues commands while reconnecting; a limit must not wait.
  const inRedis = new RateLimiterRedis({ ...shape, storeClient: redis, rejectIfRedisNotReady: true });
  const limiter = new RLWrapperTimeouts({
    limiter: inRedis,
    timeoutMs: REDIS_TIMEOUT_MS,
    insuranceLimiter: options.whenRedisDown === 'memory' ? new RateLimiterMemory(shape) : undefined,
  });
  return {
    options,
    async hit(key) {
      try {
        const res = await limiter.consume(keyOf(key));
        return { outcome: 'allowed', remaining: res.remainingPoints };
      } catch (err) {
        if (err instanceof RateLimiterRes) return { outcome: 'limited', retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
        return { outcome: 'unavailable', retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS };
      }
    },
    async refund(key) {
      await limiter.reward(keyOf(key)).catch(() => undefined);
    },
  };
}

export type Refusal = Exclude<Verdict, { outcome: 'allowed' }>;

/** Counts a hit on each limit in turn; the first refusal, or undefined when all allowed (limits after a refusal are not counted). */
export async function firstRefusal(hits: [Limit, string][]): Promise<Refusal | undefined> {
  for (const [limit, key] of hits) {
    const verdict = await limit.hit(key);
    if (verdict.outcome !== 'allowed') return verdict;
  }
  return undefined;
}
