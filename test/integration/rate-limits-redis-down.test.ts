import { eq } from 'drizzle-orm';
import { loginLinks, staff } from '../../src/db/schema';
import { createStaff } from '../../src/features/staff';
import { startLocalRedis, type LocalRedis } from '../../src/lib/local-redis';
import { generateTotpSecret, totpCode } from '../../src/lib/totp';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { joinAndPay, joinFields } from '../helpers/giving';
import { clientIp, Visitor } from '../helpers/http';
import { tempDir } from '../helpers/services';
import { STAFF_PASSWORD } from '../helpers/staff';

// Staff sign-in and its code step fail closed while Redis is down (an uncounted guess is worth more than a
// short wait); the public forms keep working, limited per process in memory until Redis answers again.
describe('rate limits while Redis is down', () => {
  const dir = tempDir('wf-limits-redis-down-');
  let redis: LocalRedis;
  let app: TestApp;
  let supporterEmail: string;
  let admin: { email: string; secret: string };
  let pending: { visitor: Visitor; token: string };

  beforeAll(async () => {
    redis = await startLocalRedis({ dir });
    app = await startTestApp({ redisUrl: redis.url });
    supporterEmail = (await joinAndPay(app, { plan: '1000' })).fields.email!;
    admin = { email: `down-${Date.now()}@welgee.example`, secret: generateTotpSecret() };
    const member = await createStaff(app.ctx.db, { email: admin.email, name: 'D', role: 'admin', password: STAFF_PASSWORD });
    await app.ctx.db.update(staff).set({ totpSecret: admin.secret, totpEnabled: true }).where(eq(staff.id, member.id));
    // A sign-in that has passed its password step before Redis stops.
    const visitor = Visitor.from(app);
    const token = await visitor.csrf('/admin/login');
    const { html } = await visitor.post('/admin/login', { email: admin.email, password: STAFF_PASSWORD, _csrf: token });
    pending = { visitor, token: /name="_csrf" value="([^"]+)"/.exec(html)![1]! };

    await redis.stop();
    await eventually(async () => app.ctx.queues.connection.status !== 'ready');
  });
  afterAll(async () => {
    await app.stop();
    await redis.stop();
  });

  test('when staff sign in, then a clear "try again shortly" page, 503 with Retry-After', async () => {
    const visitor = Visitor.from(app);
    const token = await visitor.csrf('/admin/login');
    const { res, html } = await visitor.post('/admin/login', { email: admin.email, password: STAFF_PASSWORD, _csrf: token });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(html).toContain('ただいまログインを受け付けられません');
    expect((await visitor.get('/admin')).res.status).toBe(302);
  });

  test('when the code of a started sign-in is sent, then 503 with Retry-After, even for the right code', async () => {
    const { res, html } = await pending.visitor.post('/admin/login/code', { code: totpCode(admin.secret, Math.floor(Date.now() / 30_000)), _csrf: pending.token });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(html).toContain('ただいまログインを受け付けられません');
    expect((await pending.visitor.get('/admin')).res.status).toBe(302);
  });

  test('when one client joins eleven times, then the memory limit still refuses the eleventh', async () => {
    const ip = clientIp();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const visitor = Visitor.from(app, ip);
      const token = await visitor.csrf('/family');
      statuses.push((await visitor.post('/family/join', { ...joinFields(), _csrf: token })).res.status);
    }
    expect(statuses).toEqual([...Array(10).fill(303), 429]);
  });

  test('when one address asks for many sign-in links, then the same page answers and five requests are kept, whose emails go out once Redis is back', async () => {
    const before = (await app.ctx.db.select().from(loginLinks)).length;
    const visitor = Visitor.from(app);
    const token = await visitor.csrf('/me');
    for (let i = 0; i < 7; i++) expect((await visitor.post('/me/login', { email: supporterEmail, _csrf: token })).res.status).toBe(200);
    expect((await app.ctx.db.select().from(loginLinks)).length - before).toBe(5);

    redis = await startLocalRedis({ dir, port: redis.port });
    await eventually(async () => ((await app.ctx.db.select().from(loginLinks)).every((r) => r.processedAt !== null) ? true : undefined), 30_000);
    const links = await app.mail.waitFor(5, (m) => m.envelopeTo.includes(supporterEmail) && m.raw.toString().includes('/me/link/'), 30_000);
    expect(links).toHaveLength(5);
  });
});
