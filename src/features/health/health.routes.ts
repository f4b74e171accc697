import { Router } from 'express';
import type { AppContext } from '../../context';

const TIMEOUT_MS = 1500;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}

async function check(fn: () => Promise<unknown>): Promise<'ok' | 'error'> {
  try {
    await withTimeout(fn(), TIMEOUT_MS);
    return 'ok';
  } catch {
    return 'error';
  }
}

/** GET /healthz: 200 when the database and Redis answer, 503 naming the part that does not. */
export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const redis = ctx.queues.connection;
    const [db, redisState] = await Promise.all([
      check(() => ctx.database.ping()),
      // Ask only a ready connection: a queued PING would wait for the reconnect instead of failing.
      check(async () => {
        if (redis.status !== 'ready') throw new Error(redis.status);
        await redis.ping();
      }),
    ]);
    const ok = db === 'ok' && redisState === 'ok';
    res
      .status(ok ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ok ? 'ok' : 'error', db, redis: redisState });
  });
  return router;
}
