import { sql } from 'drizzle-orm';
import { checkoutSessions } from '../../src/db/schema';
import { startTestApp, type TestApp } from '../helpers/app';
import { joinFields } from '../helpers/giving';
import { clientIp, Visitor } from '../helpers/http';

const giveFields = (email: string) => ({ ...joinFields({ email }), plan: undefined, amount: '5000' });

describe('join and give are limited per client address and per email address', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
  });
  afterAll(() => app.stop());

  const sessionCount = async () => Number((await app.ctx.db.select({ n: sql<number>`count(*)` }).from(checkoutSessions))[0]!.n);

  async function post(path: '/family/join' | '/give', fields: Record<string, string | undefined>, ip: string) {
    const visitor = Visitor.from(app, ip);
    const token = await visitor.csrf(path === '/give' ? '/give' : '/family');
    return visitor.post(path, { ...fields, _csrf: token });
  }

  test('when one client sends 25 joins at once, then ten go to Checkout and the rest get a localized 429 with Retry-After', async () => {
    const ip = clientIp();
    const before = await sessionCount();
    const answers = await Promise.all(Array.from({ length: 25 }, () => post('/family/join', joinFields(), ip)));
    const statuses = answers.map((a) => a.res.status);
    expect(statuses.filter((s) => s === 303)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    const refused = answers.find((a) => a.res.status === 429)!;
    expect(Number(refused.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.html).toContain('短い時間に多くのリクエストがありました');
    expect((await sessionCount()) - before).toBe(10);
    // Another client is not held back by the first one.
    expect((await post('/family/join', joinFields(), clientIp())).res.status).toBe(303);
  });

  test('when one email address is used for joins from many clients, then the sixth in the hour gets 429', async () => {
    const email = `many-joins-${Date.now()}@example.jp`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post('/family/join', joinFields({ email }), clientIp())).res.status);
    expect(statuses.slice(5)).toEqual([429]);
    expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true);
    expect((await post('/family/join', joinFields({ email: email.toUpperCase() }), clientIp())).res.status).toBe(429);
  });

  test('when one client gives eleven times, then the eleventh gets 429 in English for an English reader', async () => {
    const ip = clientIp();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await post('/give', giveFields(`gift-${i}-${Date.now()}@example.jp`), ip)).res.status);
    expect(statuses.every((s) => s === 303)).toBe(true);
    const visitor = Visitor.from(app, ip);
    const token = await visitor.csrf('/give?lang=en');
    const refused = await visitor.post('/give?lang=en', { ...giveFields(`gift-x-${Date.now()}@example.jp`), _csrf: token });
    expect(refused.res.status).toBe(429);
    expect(refused.res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.html).toContain('There were too many requests');
  });

  test('when one email address gives from many clients, then the sixth in the hour gets 429', async () => {
    const email = `many-gifts-${Date.now()}@example.jp`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post('/give', giveFields(email), clientIp())).res.status);
    expect(statuses).toEqual([303, 303, 303, 303, 303, 429]);
  });
});
