import { loadConfig } from '../../config';
import { createContext } from '../../src/context';
import { freePort, startLocalRedis } from '../../src/lib/local-redis';
import { startWeb } from '../../src/server';
import { eventually, startTestApp } from '../helpers/app';
import { createTestDatabase, tempDir, uniqueName } from '../helpers/services';

describe('GET /healthz', () => {
  test('when the database and Redis answer, then 200 ok; when Redis stops, then 503 naming redis; when it returns, then 200 again', async () => {
    const dir = tempDir('wf-health-');
    let redis = await startLocalRedis({ dir });
    const app = await startTestApp({ redisUrl: redis.url, worker: false });
    try {
      const up = await fetch(`${app.url}/healthz`);
      expect(up.status).toBe(200);
      expect(await up.json()).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });

      await redis.stop();
      const down = await eventually(async () => {
        const res = await fetch(`${app.url}/healthz`);
        return res.status === 503 ? res : undefined;
      });
      expect(await down.json()).toEqual({ status: 'error', db: 'ok', redis: 'error' });

      redis = await startLocalRedis({ dir, port: redis.port });
      const back = await eventually(async () => {
        const res = await fetch(`${app.url}/healthz`);
        return res.status === 200 ? res : undefined;
      }, 20_000);
      expect(await back.json()).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });
    } finally {
      await app.stop();
      await redis.stop();
    }
  });

  test('when the database is gone, then 503 naming db', async () => {
    const app = await startTestApp({ worker: false });
    try {
      await app.ctx.database.close();
      const res = await fetch(`${app.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'error', db: 'error', redis: 'ok' });
    } finally {
      app.ctx.database.close = async () => undefined;
      await app.stop();
    }
  });

  test('when the private redis-server of the embedded default is killed, then the app starts it again on the same port and /healthz recovers without anyone', async () => {
    const database = await createTestDatabase();
    const port = await freePort();
    // No REDIS_URL: the app runs its own redis-server, as `npm start` does.
    const ctx = await createContext(
      loadConfig({ NODE_ENV: 'development', PORT: String(port), DATA_DIR: tempDir(), DATABASE_URL: database.url ?? '', QUEUE_PREFIX: uniqueName('q'), LOG_LEVEL: 'silent' }),
    );
    const web = await startWeb(ctx);
    try {
      expect((await fetch(`${web.url}/healthz`)).status).toBe(200);
      const redisPort = Number(new URL(ctx.redisUrl).port);
      const pids = new Set<number>();
      for (let kill = 1; kill <= 2; kill++) {
        const pid = Number((await ctx.queues.connection.info('server')).match(/process_id:(\d+)/)![1]);
        pids.add(pid);
        process.kill(pid, 'SIGKILL');
        // A new server process answers on the same port (the restart may be quicker than any 503 is seen).
        await eventually(
          async () => {
            const info = await ctx.queues.connection.info('server').catch(() => '');
            const now = Number(/process_id:(\d+)/.exec(info)?.[1] ?? pid);
            return now !== pid;
          },
          30_000,
          200,
        );
        const back = await eventually(
          async () => {
            const res = await fetch(`${web.url}/healthz`);
            return res.status === 200 ? res : undefined;
          },
          30_000,
          200,
        );
        expect(await back.json()).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });
        expect(Number(new URL(ctx.redisUrl).port)).toBe(redisPort);
      }
      expect(pids.size).toBe(2);
    } finally {
      await web.close();
      await ctx.close();
      await database.drop();
    }
  }, 90_000);
});
