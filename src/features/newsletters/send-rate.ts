import type { Redis } from 'ioredis';

// One pace for every worker process, kept in Redis as a GCRA-style "theoretical arrival time": a process
// reserves the next `count` free slots in one call, then hands them to its lanes one by one, each lane
// waiting for its slot. Redis's own clock is used, so workers on different machines agree. Times are in
// microseconds; the script formats them as integers because Lua's tostring would print large numbers in
// exponent form.
const RESERVE_SLOTS = `
local interval = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local after = slot + interval * count
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.floor((after - now) / 1000) + 1000)
return { string.format('%.0f', slot), string.format('%.0f', now) }
`;

export const DEFAULT_MESSAGES_PER_SECOND = 20;
/** Slots reserved per call to Redis: about a tenth of a second of sending, at most 50. */
const slotsPerReservation = (perSecond: number) => Math.max(1, Math.min(50, Math.floor(perSecond / 10)));
/** A reserved slot left unused for longer than this (a paused send) is dropped, not spent in a burst. */
const STALE_SLOT_MS = 1000;

/** Messages per second from the setting (a string); the default when it is not a positive integer. */
export function parseMessagesPerSecond(value: string | undefined): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_MESSAGES_PER_SECOND;
}

export interface SendRate {
  /**
   * Waits until this process may send one more message at `perSecond` across all workers; returns the
   * slot it used (microseconds on Redis's clock).
   */
  take(perSecond: number): Promise<number>;
}

interface Slot {
  /** Microseconds on Redis's clock. */
  at: number;
  /** Local milliseconds minus Redis milliseconds, measured when the slot was reserved. */
  offsetMs: number;
}

/** A rate shared by every process that uses the same Redis key. */
export function createSendRate(redis: Redis, key: string): SendRate {
  const slots: Slot[] = [];
  let reserving: Promise<void> | undefined;

  const reserve = async (perSecond: number) => {
    const interval = Math.max(1, Math.round(1_000_000 / perSecond));
    const count = slotsPerReservation(perSecond);
    const [first, now] = ((await redis.eval(RESERVE_SLOTS, 1, key, interval, count)) as string[]).map(Number) as [number, number];
    // Read after the answer: local slot times err late by the round trip, never early.
    const offsetMs = Date.now() - now / 1000;
    for (let i = 0; i < count; i++) slots.push({ at: first + i * interval, offsetMs });
  };

  return {
    async take(perSecond) {
      for (;;) {
        while (slots.length > 0 && slots[0]!.at / 1000 + slots[0]!.offsetMs < Date.now() - STALE_SLOT_MS) slots.shift();
        const slot = slots.shift();
        if (slot) {
          const waitMs = Math.ceil(slot.at / 1000 + slot.offsetMs - Date.now());
          if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
          return slot.at;
        }
        // One reservation at a time per process: lanes that find no slot wait for the same call.
        reserving ??= reserve(perSecond).finally(() => (reserving = undefined));
        await reserving;
      }
    },
  };
}
