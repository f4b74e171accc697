import type { Redis } from 'ioredis';

// One pace for every worker process: each message reserves the next free slot on a schedule kept in
// Redis (a GCRA-style "theoretical arrival time"), then waits for it. Redis's own clock is used, so
// workers on different machines agree. Times are in microseconds; the script formats them as integers
// because Lua's tostring would print large numbers in exponent form.
const RESERVE_SLOT = `
local interval = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local ttl = math.floor((slot - now + interval) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', ttl)
return math.floor(slot - now)
`;

export const DEFAULT_MESSAGES_PER_SECOND = 20;

/** Messages per second from the setting (a string); the default when it is not a positive integer. */
export function parseMessagesPerSecond(value: string | undefined): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_MESSAGES_PER_SECOND;
}

export interface SendRate {
  /** Waits until this process may send one more message at `perSecond` across all workers. */
  take(perSecond: number): Promise<void>;
}

/** A rate shared by every process that uses the same Redis key. */
export function createSendRate(redis: Redis, key: string): SendRate {
  return {
    async take(perSecond) {
      const intervalMicros = Math.max(1, Math.round(1_000_000 / perSecond));
      const waitMicros = Number(await redis.eval(RESERVE_SLOT, 1, key, intervalMicros));
      if (waitMicros >= 1000) await new Promise((resolve) => setTimeout(resolve, Math.round(waitMicros / 1000)));
    },
  };
}
