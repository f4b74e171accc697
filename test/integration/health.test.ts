import { startLocalRedis } from '../../src/lib/local-redis';
import { eventually, startTestApp } from '../helpers/app';
import { tempDir } from '../helpers/services';

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
});
