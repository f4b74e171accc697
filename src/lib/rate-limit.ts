import type { Redis } from 'ioredis';

// Fixed-window counters shared by every web process (Redis). When Redis is not answering, requests
// are allowed: account lockout still protects sign-in.

/** True while the key has fewer than `limit` hits in its window. */
export async function isUnderLimit(redis: Redis, key: string, limit: number): Promise<boolean> {
  if (redis.status !== 'ready') return true;
  try {
    return Number((await redis.get(key)) ?? 0) < limit;
  } catch {
    return true;
  }
}

/** Counts one hit; the window starts with the first hit. */
export async function countHit(redis: Redis, key: string, windowSeconds: number): Promise<void> {
  if (redis.status !== 'ready') return;
  try {
    await redis.multi().incr(key).expire(key, windowSeconds, 'NX').exec();
  } catch {
    // Counting is best effort.
  }
}
