import { loadConfig } from '../../config';
import { startWorker } from '../../jobs/worker';
import { createContext } from '../../src/context';
import { parseMail } from '../../src/dev/mail-sink';
import { freePort } from '../../src/lib/local-redis';
import { startWeb } from '../../src/server';
import { joinFields } from '../helpers/giving';
import { Visitor } from '../helpers/http';
import { acquireRedis, createTestDatabase, tempDir, uniqueName } from '../helpers/services';

describe('sandbox mode (no Stripe keys, no SMTP: what npm start runs)', () => {
  test('when a person joins and pays on the local checkout page, then the welcome and receipt emails are in the local mail viewer', async () => {
    const database = await createTestDatabase();
    const redis = await acquireRedis();
    const port = await freePort();
    const ctx = await createContext(
      loadConfig({
        NODE_ENV: 'development',
        PORT: String(port),
        DATA_DIR: tempDir(),
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: uniqueName('q'),
        LOG_LEVEL: 'silent',
      }),
    );
    const web = await startWeb(ctx);
    const worker = await startWorker(ctx);
    try {
      const visitor = new Visitor(web.url);
      const token = await visitor.csrf('/family');
      const fields = joinFields();
      const { res, location } = await visitor.post('/family/join', { ...fields, _csrf: token });
      expect(res.status).toBe(303);
      // The hosted checkout page of the emulator, posted as the browser would.
      const checkout = new URL(location!);
      const page = await fetch(checkout);
      expect(page.status).toBe(200);
      const paid = await fetch(checkout, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: fields.email!, card_number: '4242 4242 4242 4242', card_expiry: '12 / 34', card_cvc: '123', cardholder_name: 'HANAKO YAMADA' }),
        redirect: 'manual',
      });
      expect(paid.status).toBe(303);
      expect(paid.headers.get('location')).toContain(`http://localhost:${port}/family/thanks?session_id=cs_`);

      const received = await ctx.mailSink!.sink.waitFor(2, (m) => m.envelopeTo.includes(fields.email!), 30_000);
      const subjects = await Promise.all(received.map(async (m) => (await parseMail(m.raw)).subject));
      expect(subjects).toContain('WELgeeファミリーへようこそ');
      expect(subjects.some((s) => /^ご寄付の領収書（\d{4}-\d{6}）$/.test(s ?? ''))).toBe(true);
      const list = await (await fetch(`${web.url}/dev/mail`)).text();
      expect(list).toContain('WELgeeファミリーへようこそ');
    } finally {
      await web.close();
      await worker.close();
      await ctx.close();
      await redis.release();
      await database.drop();
    }
  });
});
