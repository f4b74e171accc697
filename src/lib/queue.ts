import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';

export interface Queues<Q extends string> {
  get(name: Q): Queue;
  /** The connection shared by producers; `status === 'ready'` when Redis is reachable. */
  connection: Redis;
  /** Waits until Redis answers; false after timeoutMs. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

// Completed jobs are kept a week so that a re-dispatched outbox row (same job id) is ignored.
export const defaultJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 50_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** Opens a Redis connection suitable for BullMQ (no per-request retry limit, reconnects forever). */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    connectTimeout: 2000,
  });
  // Errors surface through health checks and failed commands; an unhandled 'error' event would crash.
  redis.on('error', () => undefined);
  return redis;
}

/** Creates one BullMQ Queue per name, sharing a producer connection. */
export function createQueues<Q extends string>(url: string, prefix: string, names: readonly Q[]): Queues<Q> {
  const connection = connectRedis(url);
  const queues = new Map<Q, Queue>();
  for (const name of names) {
    const queue = new Queue(name, { connection, prefix, defaultJobOptions });
    queue.on('error', () => undefined);
    queues.set(name, queue);
  }
  return {
    connection,
    get(name) {
      const queue = queues.get(name);
      if (!queue) throw new Error(`unknown queue ${name}`);
      return queue;
    },
    async ready(timeoutMs) {
      if (connection.status === 'ready') return true;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => done(false), timeoutMs);
        const done = (ok: boolean) => {
          clearTimeout(timer);
          connection.off('ready', onReady);
          resolve(ok);
        };
        const onReady = () => done(true);
        connection.on('ready', onReady);
      });
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => undefined)));
      connection.disconnect();
    },
  };
}
