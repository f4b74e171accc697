import { and, asc, count, eq, gt, inArray, isNull, lt, min } from 'drizzle-orm';
import type { Queue } from 'bullmq';
import type { Db, Tx } from '../db/client';
import { outbox } from '../db/schema';
import { now } from './clock';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { currentRequestId, isSaneRequestId, outsideRequest } from './request-context';

/**
 * Writes a job to the outbox inside the caller's transaction; it is queued only once that commits.
 * The request (or job) in progress is recorded with it, so the job's log lines can be traced back.
 */
export async function writeOutbox(tx: Tx, jobName: string, payload: unknown): Promise<number> {
  const [row] = await tx
    .insert(outbox)
    .values({ jobName, payload, requestId: currentRequestId() ?? null })
    .returning({ id: outbox.id });
  return row!.id;
}

// The request id rides in the job's data beside the payload, under a key no job contract uses:
// workers take it off before the payload is checked against its contract.
const REQUEST_ID_KEY = '_requestId';

/** A job's data: its payload, plus the request id that caused it when there is one. */
export function jobDataOf(payload: unknown, requestId: string | null | undefined): unknown {
  if (!requestId || typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
  return { ...payload, [REQUEST_ID_KEY]: requestId };
}

/** Splits a job's data into its payload and the request id that caused it (jobDataOf undone). */
export function splitJobData(data: unknown): { payload: unknown; requestId: string | undefined } {
  if (typeof data !== 'object' || data === null || !Object.hasOwn(data, REQUEST_ID_KEY)) return { payload: data, requestId: undefined };
  const { [REQUEST_ID_KEY]: requestId, ...payload } = data as Record<string, unknown>;
  return { payload, requestId: isSaneRequestId(requestId) ? requestId : undefined };
}

export interface Dispatcher {
  /** Dispatches what is pending now; resolves to the number of rows moved to the queue. */
  dispatchPending(): Promise<number>;
  /** Finds dispatched rows whose job Redis no longer has and dispatches them again (see requeueLostJobs). */
  requeueLost(): Promise<number>;
  /** Asks for a dispatch soon (called after a commit in this process). */
  poke(): void;
  start(): void;
  stop(): Promise<void>;
}

interface DispatcherOptions {
  db: Db;
  logger: Logger;
  queueFor(jobName: string): Queue | undefined;
  isRedisReady(): boolean;
  intervalMs?: number;
  batchSize?: number;
  /** How often this process looks for jobs Redis lost (default 5 minutes). */
  sweepEveryMs?: number;
}

/** A dispatched row is looked for in Redis once it is this old (real time)… */
export const LOST_AFTER_MS = 10 * 60_000;
/** …and for this long: completed and failed jobs are kept longer than this (src/lib/queue.ts). */
export const LOST_WITHIN_MS = 24 * 3600_000;

/**
 * Rows dispatched between LOST_AFTER_MS and LOST_WITHIN_MS ago whose job (`outbox-<id>`) Redis no
 * longer holds in any state, e.g. because Redis restarted and lost its last second of writes: they
 * are marked pending again, once even when several processes sweep together, and the dispatcher
 * queues them anew. Every job is idempotent, so a job that had already run does nothing the second
 * time. Resolves to the number of rows marked; nothing happens while Redis is unreachable.
 */
export async function requeueLostJobs(opts: Pick<DispatcherOptions, 'db' | 'logger' | 'queueFor' | 'isRedisReady'>, limit = 1000): Promise<number> {
  if (!opts.isRedisReady()) return 0;
  const at = Date.now();
  const rows = await opts.db
    .select({ id: outbox.id, jobName: outbox.jobName, dispatchedAt: outbox.dispatchedAt })
    .from(outbox)
    .where(and(gt(outbox.dispatchedAt, new Date(at - LOST_WITHIN_MS)), lt(outbox.dispatchedAt, new Date(at - LOST_AFTER_MS)), isNull(outbox.lastError)))
    .orderBy(asc(outbox.id))
    .limit(limit);
  let marked = 0;
  for (let i = 0; i < rows.length; i += 100) {
    const batch = rows.slice(i, i + 100);
    const found = await Promise.all(batch.map((row) => opts.queueFor(row.jobName)?.getJob(`outbox-${row.id}`)));
    for (const [j, row] of batch.entries()) {
      if (found[j] || !opts.queueFor(row.jobName)) continue;
      // Only if no other process marked (and re-dispatched) it meanwhile.
      const updated = await opts.db
        .update(outbox)
        .set({ dispatchedAt: null })
        .where(and(eq(outbox.id, row.id), eq(outbox.dispatchedAt, row.dispatchedAt!)))
        .returning({ id: outbox.id });
      marked += updated.length;
    }
  }
  if (marked > 0) opts.logger.warn({ rows: marked }, 'outbox rows whose job Redis lost were queued again');
  return marked;
}

/**
 * Moves committed outbox rows into BullMQ. The job id is `outbox-<id>`, so a row dispatched twice
 * (crash between add and mark, or two dispatchers) becomes one job. No transaction is held open
 * across the Redis call.
 */
export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const { db, logger, intervalMs = 300, batchSize = 200, sweepEveryMs = 5 * 60_000 } = opts;
  let timer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<number> | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;
  let again = false;

  async function dispatchOnce(): Promise<number> {
    if (!opts.isRedisReady()) return 0;
    const rows = await db.select().from(outbox).where(isNull(outbox.dispatchedAt)).orderBy(asc(outbox.id)).limit(batchSize);
    if (rows.length === 0) return 0;
    const done: number[] = [];
    for (const row of rows) {
      const queue = opts.queueFor(row.jobName);
      if (!queue) {
        // A row no code can run must not block the rows behind it: park it, visibly.
        logger.error({ outboxId: row.id, jobName: row.jobName }, 'outbox row names an unknown job');
        await db
          .update(outbox)
          .set({ dispatchedAt: new Date(), lastError: `unknown job ${row.jobName}` })
          .where(inArray(outbox.id, [row.id]));
        continue;
      }
      try {
        await queue.add(row.jobName, jobDataOf(row.payload, row.requestId), { jobId: `outbox-${row.id}` });
        done.push(row.id);
      } catch (err) {
        logger.warn({ err, outboxId: row.id }, 'outbox dispatch failed; will retry');
        break;
      }
    }
    if (done.length > 0) {
      await db.update(outbox).set({ dispatchedAt: new Date() }).where(inArray(outbox.id, done));
    }
    return done.length;
  }

  async function dispatchPending(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        do {
          again = false;
          const n = await dispatchOnce();
          total += n;
          if (n === batchSize) again = true;
        } while (again && !stopped);
      } catch (err) {
        logger.warn({ err }, 'outbox dispatcher error; will retry');
      } finally {
        running = undefined;
      }
      return total;
    })();
    return running;
  }

  function schedule(delay: number) {
    if (stopped) return;
    clearTimeout(timer);
    // The loop outlives the request that poked it: it must not run (and log) under that request's id.
    timer = outsideRequest(() =>
      setTimeout(() => {
        void dispatchPending().finally(() => schedule(intervalMs));
      }, delay),
    );
  }

  async function requeueLost(): Promise<number> {
    sweeping ??= requeueLostJobs(opts)
      .catch((err: unknown) => {
        logger.warn({ err }, 'looking for lost outbox jobs failed; will retry');
        return 0;
      })
      .finally(() => (sweeping = undefined));
    const marked = await sweeping;
    if (marked > 0 && !stopped) schedule(0);
    return marked;
  }

  return {
    dispatchPending,
    requeueLost,
    poke: () => schedule(0),
    start() {
      stopped = false;
      schedule(0);
      sweepTimer = outsideRequest(() => setInterval(() => void requeueLost(), sweepEveryMs));
      sweepTimer.unref();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(sweepTimer);
      await Promise.all([running, sweeping]);
    },
  };
}

/**
 * Gauges of the outbox backlog (rows not yet moved to the queue, and how long the oldest has waited),
 * read when the metrics are scraped; NaN when the database did not answer within a second
 * (scrape_source_ok{source="outbox"} is 0 then).
 */
export function watchOutboxBacklog(metrics: Metrics, db: Db): void {
  const read = metrics.readAtScrape('outbox', async () => {
    const [row] = await db
      .select({ pending: count(), oldest: min(outbox.createdAt) })
      .from(outbox)
      .where(isNull(outbox.dispatchedAt));
    return row!;
  });
  metrics.gauge({
    name: 'outbox_pending_jobs',
    help: 'Outbox rows not yet moved to the queue, read at scrape time',
    async collect(gauge) {
      const backlog = await read();
      gauge.set(backlog ? backlog.pending : NaN);
    },
  });
  metrics.gauge({
    name: 'outbox_oldest_pending_seconds',
    help: 'Age of the oldest outbox row not yet moved to the queue (0 when none waits)',
    async collect(gauge) {
      const backlog = await read();
      const oldest = backlog?.oldest ? new Date(backlog.oldest).getTime() : undefined;
      // created_at is written on the app's clock.
      gauge.set(!backlog ? NaN : oldest ? Math.max(0, (now().getTime() - oldest) / 1000) : 0);
    },
  });
}
