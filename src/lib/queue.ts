import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Metrics } from './metrics';

export interface Queues<Q extends string> {
  get(name: Q): Queue;
  /** The connection shared by producers; `status === 'ready'` when Redis is reachable. */
  connection: Redis;
  /** Waits until Redis answers; false after timeoutMs. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

// Completed jobs are kept a week so that a re-dispatched outbox row (same job id) is ignored.
const defaultJobOptions: JobsOptions = {
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

// The states a queue's depth is reported in (completed jobs are only kept for deduplication).
const depthStates = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

/**
 * Gauges of every queue's jobs by state, read from Redis when the metrics are scraped (within a
 * second, and not at all while the connection is down, so a scrape always answers quickly; the
 * series are absent then and scrape_source_ok{source="queues"} is 0).
 */
export function watchQueueDepths<Q extends string>(metrics: Metrics, queues: Queues<Q>, names: readonly Q[]): void {
  const read = metrics.readAtScrape('queues', async () => {
    // A command sent now would wait for the reconnect instead of failing.
    if (queues.connection.status !== 'ready') throw new Error(`redis ${queues.connection.status}`);
    return Promise.all(names.map(async (name) => [name, await queues.get(name).getJobCounts(...depthStates)] as const));
  });
  metrics.gauge({
    name: 'queue_jobs',
    help: 'Jobs in each queue by state, read at scrape time (failed: jobs that used up their attempts)',
    labelNames: ['queue', 'state'],
    async collect(gauge) {
      const counts = await read();
      gauge.reset();
      for (const [queue, byState] of counts ?? []) {
        for (const state of depthStates) gauge.set({ queue, state }, byState[state] ?? 0);
      }
    },
  });
}
