import { eq } from 'drizzle-orm';
import { supporters } from '../../src/db/schema';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { CARD_OK, giftRowsOf, joinFields, startJoin } from '../helpers/giving';
import { Visitor } from '../helpers/http';
import { serverDatabaseUrl } from '../helpers/services';
import { startCuttableLink, type CuttableLink } from '../helpers/tcp-cut';

// PostgreSQL becomes unreachable while people join and Stripe sends webhooks: the app answers 503 with
// Retry-After (never 500), stores nothing half-way, and Stripe's own retries complete every gift once
// the database is back, with no manual replay.
(serverDatabaseUrl ? describe : describe.skip)('when PostgreSQL cannot be reached', () => {
  let app: TestApp;
  let db: CuttableLink;

  beforeAll(async () => {
    const server = new URL(serverDatabaseUrl!);
    db = await startCuttableLink({ host: server.hostname, port: Number(server.port || 5432) });
    app = await startTestApp({
      webhookRetryDelaysMs: [500, 1000, 2000, 3000, 5000, 8000],
      databaseUrlFor: (url) => {
        const through = new URL(url);
        through.hostname = '127.0.0.1';
        through.port = String(db.port);
        return through.toString();
      },
    });
  });
  afterAll(async () => {
    await db.restore();
    await app.stop();
    await db.stop();
  });

  test('then pages answer 503 with Retry-After, webhooks 503 so Stripe retries, nothing is half-stored, and every gift completes after it returns', async () => {
    // A join started before the outage, paid during it.
    const fields = joinFields({ plan: '5000' });
    const { sessionId } = await startJoin(app, fields);
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/family');

    db.cut();
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'error', db: expect.not.stringMatching(/^ok$/) });

    const during = joinFields({ plan: '1000' });
    const join = await visitor.post('/family/join', { ...during, _csrf: token });
    expect(join.res.status).toBe(503);
    expect(join.res.headers.get('retry-after')).toBe('30');
    expect(join.html).toContain('ただいま混み合っています');

    const me = await visitor.post('/me/login', { email: 'someone@example.jp', _csrf: token });
    expect(me.res.status).toBe(503);
    // Pages that need no database may still answer; none answers 500.
    for (const path of ['/', '/family', '/give', '/family/news', '/admin/login']) {
      const res = await fetch(app.url + path);
      expect({ path, status: res.status === 200 || res.status === 503 ? 'ok' : res.status }).toEqual({ path, status: 'ok' });
      if (res.status === 503) expect(res.headers.get('retry-after')).toBe('30');
    }

    // Stripe takes the payment; its webhooks reach an app without a database and are refused with 503.
    expect((await app.stripe.payCheckoutSession(sessionId, CARD_OK)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 2500));
    await db.restore();

    // Stripe's retries bring the gift in, exactly once.
    const supporter = await eventually(async () => (await app.ctx.db.select().from(supporters).where(eq(supporters.email, fields.email!)))[0], 30_000);
    const gifts = await eventually(async () => {
      const rows = await giftRowsOf(app, supporter.id);
      return rows.length > 0 ? rows : undefined;
    }, 30_000);
    expect(gifts.map((g) => g.amount)).toEqual([5000]);
    // The join sent during the outage left nothing behind.
    expect(await app.ctx.db.select().from(supporters).where(eq(supporters.email, during.email!))).toHaveLength(0);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  }, 90_000);
});
