import path from 'node:path';
import { loadConfig } from '../../config';
import { createContext } from '../../src/context';
import { queueEmail } from '../../src/features/emails';
import { startWeb } from '../../src/server';
import { startWorker } from '../../jobs/worker';
import { eventually } from '../helpers/app';
import { acquireRedis, createTestDatabase, tempDir, uniqueName } from '../helpers/services';

describe('/dev/mail on the embedded mail sink', () => {
  test('when SMTP_URL is unset, then sent mail is kept under DATA_DIR and readable at /dev/mail', async () => {
    const database = await createTestDatabase();
    const redis = await acquireRedis();
    const dataDir = tempDir();
    const ctx = await createContext(
      loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir, DATABASE_URL: database.url, REDIS_URL: redis.url, QUEUE_PREFIX: uniqueName('q'), LOG_LEVEL: 'silent' }),
    );
    const web = await startWeb(ctx, 0);
    const worker = await startWorker(ctx);
    try {
      expect(ctx.mailSink?.dir).toBe(path.join(dataDir, 'mail'));
      const empty = await (await fetch(`${web.url}/dev/mail`)).text();
      expect(empty).toContain('まだメールはありません');

      await ctx.db.transaction((tx) => queueEmail(tx, { template: 'test-message', to: 'viewer@example.jp', locale: 'en' }));
      const list = await eventually(async () => {
        const res = await fetch(`${web.url}/dev/mail?lang=en`);
        const html = await res.text();
        if (res.status !== 200) throw new Error(`${res.status} ${html.slice(0, 300)}`);
        return html.includes('WELgee Family: test email') ? html : undefined;
      });
      const id = /href="\/dev\/mail\/([^"]+)"/.exec(list)![1]!;
      const show = await fetch(`${web.url}/dev/mail/${id}`);
      expect(await show.text()).toContain('If you can read this, sending email works.');
      const htmlPart = await fetch(`${web.url}/dev/mail/${id}/html`);
      expect(htmlPart.headers.get('content-security-policy')).toContain('sandbox');
      expect((await fetch(`${web.url}/dev/mail/does-not-exist`)).status).toBe(404);
    } finally {
      await web.close();
      await worker.close();
      await ctx.close();
      await redis.release();
      await database.drop();
    }
  });
});
