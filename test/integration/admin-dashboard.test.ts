import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { donations, subscriptions, supporters } from '../../src/db/schema';
import { loadDashboard } from '../../src/features/reports/dashboard.service';
import { fiscalYearStart } from '../../src/features/reports/periods';
import { tokyoDay } from '../../src/lib/dates';
import { now, setClock } from '../../src/lib/clock';
import { formatYen } from '../../src/lib/i18n';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { CARD_DECLINED, giftsOf, joinAndPay } from '../helpers/giving';
import { unescapeHtml, Visitor } from '../helpers/http';
import { signInAs } from '../helpers/staff';

/** The text of the element carrying data-figure="name". */
function figure(html: string, name: string): string {
  const match = new RegExp(`data-figure="${name}">([^<]*)<`).exec(html);
  if (!match) throw new Error(`no figure ${name}`);
  return unescapeHtml(match[1]!);
}

/** The chart's data, as the chart script reads it from the page. */
function chartOf(html: string): { labels: string[]; net: number[]; takeBacks: number[] } {
  const match = /data-chart="([^"]+)"/.exec(html);
  if (!match) throw new Error('no chart data on the page');
  return JSON.parse(unescapeHtml(match[1]!));
}

/** The month table: YYYY-MM → net yen, as written in the page. */
function tableOf(html: string): Map<string, number> {
  return new Map([...html.matchAll(/<tr data-month="(\d{4}-\d{2})">[\s\S]*?data-net="(-?\d+)"/g)].map((m) => [m[1]!, Number(m[2])]));
}

/** Ledger totals per Japan month, computed independently from the rows. */
async function ledgerByTokyoMonth(app: TestApp): Promise<Map<string, number>> {
  const rows = await app.ctx.db.select().from(donations);
  const out = new Map<string, number>();
  for (const r of rows) {
    const month = tokyoDay(r.receivedAt).slice(0, 7);
    out.set(month, (out.get(month) ?? 0) + r.amount);
  }
  return out;
}

async function insertSupporter(app: TestApp, status: 'prospect' | 'one_time' | 'monthly' | 'lapsed' = 'one_time', familyName = '直接') {
  const email = `direct-${crypto.randomUUID()}@example.jp`;
  const [row] = await app.ctx.db.insert(supporters).values({ email, emailNormalized: email, familyName, givenName: 'テスト', status }).returning();
  return row!;
}

async function insertGift(app: TestApp, supporterId: string, amount: number, at: Date, entry: 'gift' | 'refund' = 'gift', related?: string) {
  const [row] = await app.ctx.db
    .insert(donations)
    .values({
      supporterId,
      entry,
      amount,
      method: 'bank_transfer',
      frequency: 'one_time',
      receivedAt: at,
      receivedOn: tokyoDay(at),
      channel: 'offline',
      relatedDonationId: related ?? null,
    })
    .returning();
  return row!;
}

// The dashboard asks the app's clock what month and fiscal year it is: it runs on the real day and at the
// edges of months, calendar years and fiscal years (April), in Japan time. Each test sets the clock
// afresh, so a test that takes a few seconds never crosses the edge it is placed just before.
const TODAYS: [string, string | undefined][] = [
  ['the real today', undefined],
  ['31 December 23:59 in Japan', '2026-12-31T23:59:00+09:00'],
  ['1 January 00:00 in Japan', '2027-01-01T00:00:00+09:00'],
  ['31 March 23:59 in Japan (the last minute of a fiscal year)', '2027-03-31T23:59:00+09:00'],
  ['1 April 00:00 in Japan (the first minute of a fiscal year)', '2027-04-01T00:00:00+09:00'],
  ['29 February 2028', '2028-02-29T12:00:00+09:00'],
];

describe.each(TODAYS)('staff dashboard, on %s', (_label, today) => {
  let app: TestApp;
  let admin: Visitor;
  let stripe: Stripe;

  beforeEach(() => setClock(today ? new Date(today) : undefined));
  afterAll(() => setClock());

  beforeAll(async () => {
    setClock(today ? new Date(today) : undefined);
    app = await startTestApp();
    admin = (await signInAs(app, 'admin')).visitor;
    stripe = new Stripe(app.stripe.secretKey, { host: '127.0.0.1', port: app.stripe.port, protocol: 'http' });
  });
  afterAll(() => app.stop());

  test('when the database is empty, then every part of the dashboard shows its empty state without errors', async () => {
    const { res, html } = await admin.get('/admin');
    expect(res.status).toBe(200);
    expect(html).toContain('まだ寄付の記録がありません');
    expect(figure(html, 'monthly-supporters')).toBe('0');
    expect(figure(html, 'recurring-amount')).toBe(formatYen(0, 'ja'));
    expect(figure(html, 'failed')).toBe('0');
    expect(html).toContain('支払いに失敗している毎月の寄付はありません。');
    expect(html).toContain('この12か月の寄付はまだありません。');
    expect(html).toContain('該当する支援者はいません。');
    // No chart without figures: neither the data nor the scripts are on the page.
    expect(html).not.toContain('data-chart=');
    expect(html).not.toContain('chart.umd.min.js');

    const en = await admin.get('/admin?lang=en');
    expect(en.res.status).toBe(200);
    expect(en.html).toContain('No gifts recorded yet');
    expect(en.html).toContain('No gifts in the last 12 months yet.');
    await admin.get('/admin?lang=ja');
  });

  test('when supporters join at different plans, one is refunded, one stops, one fails to pay and one gives once, then the figures match the ledger exactly', async () => {
    const small = await joinAndPay(app, { plan: '1000' });
    await joinAndPay(app, { plan: '5000' });
    const large = await joinAndPay(app, { plan: '10000' });
    const leaving = await joinAndPay(app, { plan: '1000' });
    const failing = await joinAndPay(app, { plan: '5000', locale: 'en' });

    // A partial refund of the ¥10,000 gift.
    await stripe.refunds.create({ charge: large.gifts[0]!.stripeChargeId!, amount: 4000 });
    await eventually(async () => (await giftsOf(app, large.supporter.id)).some((d) => d.entry === 'refund'));

    // One supporter stops giving monthly.
    await stripe.subscriptions.cancel(leaving.subscription.stripeSubscriptionId);
    await eventually(async () => {
      const [s] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, leaving.supporter.id));
      return s?.status === 'lapsed';
    });

    // One card is declined at renewal: past_due.
    app.stripe.setCustomerCard(failing.supporter.stripeCustomerId!, CARD_DECLINED);
    await app.stripe.advanceSubscription(failing.subscription.stripeSubscriptionId);
    await eventually(async () => {
      const [s] = await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.id, failing.subscription.id));
      return s?.status === 'past_due';
    });

    // A one-time gift of a custom amount.
    const giver = Visitor.of(app);
    const token = await giver.csrf('/give');
    const email = `once-${Date.now()}@example.jp`;
    const { location } = await giver.post('/give', {
      _csrf: token,
      amount: 'other',
      custom_amount: '12345',
      email,
      family_name: 'Smith',
      given_name: 'Jane',
      locale: 'en',
      privacy: 'on',
    });
    const paid = await app.stripe.payCheckoutSession(/\/(cs_\w+)/.exec(location!)![1]!, '4242424242424242');
    expect(paid.ok).toBe(true);
    const onceId = await eventually(async () => {
      const [s] = await app.ctx.db.select().from(supporters).where(eq(supporters.email, email));
      return s && (await giftsOf(app, s.id)).length === 1 ? s.id : undefined;
    });
    // Read after the gift is there: a row read before it could still be a prospect.
    const [once] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, onceId));

    const { res, html } = await admin.get('/admin');
    expect(res.status).toBe(200);
    expect(html).not.toContain('まだ寄付の記録がありません');

    // Every figure, recomputed from the rows.
    const everyone = await app.ctx.db.select().from(supporters);
    const subs = await app.ctx.db.select().from(subscriptions);
    const live = subs.filter((s) => s.status === 'active' || s.status === 'past_due');
    expect(figure(html, 'monthly-supporters')).toBe(String(everyone.filter((s) => s.status === 'monthly').length));
    expect(figure(html, 'monthly-supporters')).toBe('4');
    expect(figure(html, 'recurring-amount')).toBe(
      formatYen(
        live.reduce((sum, s) => sum + s.amount, 0),
        'ja',
      ),
    );
    expect(figure(html, 'recurring-amount')).toBe(formatYen(21000, 'ja'));
    expect(figure(html, 'started')).toBe('5');
    expect(figure(html, 'cancelled')).toBe('1');
    expect(figure(html, 'failed')).toBe('1');
    expect(figure(html, 'one-time-amount')).toBe(formatYen(12345, 'ja'));
    expect(figure(html, 'one-time-count')).toContain('1件');

    // The failed payment links to the supporter's page.
    const failed = /<table class="table dash-table" id="failed-payments">[\s\S]*?<\/table>/.exec(html)![0];
    expect(failed).toContain(`href="/admin/supporters/${failing.supporter.id}"`);
    expect(failed).not.toContain(small.supporter.id);

    // The 12-month series: this month is the whole ledger so far, net of the refund.
    const ledger = await app.ctx.db.select().from(donations);
    const thisMonth = tokyoDay(now()).slice(0, 7);
    const chart = chartOf(html);
    expect(chart.net).toHaveLength(12);
    expect(chart.net.at(-1)).toBe(ledger.reduce((sum, r) => sum + r.amount, 0));
    expect(chart.net.at(-1)).toBe(1000 + 5000 + 10000 - 4000 + 1000 + 5000 + 12345);
    expect(chart.takeBacks.at(-1)).toBe(-4000);
    expect(chart.net.reduce((a, b) => a + b, 0)).toBe(Number(/data-net-total="(-?\d+)"/.exec(html)![1]));
    expect(tableOf(html).get(thisMonth)).toBe(chart.net.at(-1));
    expect(html).toContain('返金・チャージバック（異議）・取消を差し引いた額');

    // The one-time giver and the supporter who stopped gave this fiscal year: nobody has lapsed.
    expect(html).toContain('該当する支援者はいません。');
    expect(once!.status).toBe('one_time');
  });

  test('when gifts fall either side of midnight in Japan at a month end, then the 12-month series counts them in Japan months', async () => {
    // The series as of 10 December 2026, before and after: whatever else the ledger holds, these gifts add
    // exactly their amounts to their Japan months.
    const asOf = new Date('2026-12-10T03:00:00Z');
    const before = await loadDashboard(app.ctx.db, { now: asOf });
    const person = await insertSupporter(app);
    // 2026-10-31T15:30Z is 1 November 00:30 in Japan; 14:30Z is still 31 October 23:30.
    const november = await insertGift(app, person.id, 3000, new Date('2026-10-31T15:30:00Z'));
    await insertGift(app, person.id, 7000, new Date('2026-10-31T14:30:00Z'));
    // A refund at 1 December 00:10 in Japan belongs to December, not to the gift's month.
    await insertGift(app, person.id, -1000, new Date('2026-11-30T15:10:00Z'), 'refund', november.id);
    expect(november.receivedOn).toBe('2026-11-01');

    const expected = await ledgerByTokyoMonth(app);
    const d = await loadDashboard(app.ctx.db, { now: asOf });
    expect(d.series.map((p) => p.month)).toEqual([
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
      '2026-11',
      '2026-12',
    ]);
    for (const p of d.series) expect({ month: p.month, net: p.net }).toEqual({ month: p.month, net: expected.get(p.month) ?? 0 });
    const added = (month: string, key: 'net' | 'takeBacks') => d.series.find((p) => p.month === month)![key] - before.series.find((p) => p.month === month)![key];
    expect(added('2026-10', 'net')).toBe(7000);
    expect(added('2026-11', 'net')).toBe(3000);
    expect(added('2026-12', 'net')).toBe(-1000);
    expect(added('2026-12', 'takeBacks')).toBe(-1000);
    expect(d.seriesTotal.net - before.seriesTotal.net).toBe(9000);

    // The page (as of the clock's today) shows the same months the same way.
    const { html } = await admin.get('/admin');
    const table = tableOf(html);
    const chart = chartOf(html);
    expect(table.size).toBe(12);
    expect([...table.keys()].at(-1)).toBe(tokyoDay(now()).slice(0, 7));
    expect([...table.values()]).toEqual(chart.net);
    for (const [month, net] of table) expect({ month, net }).toEqual({ month, net: expected.get(month) ?? 0 });
  });

  test('when someone gave last fiscal year and not this one, then they are listed as lapsed, and people who gave again are not', async () => {
    const thisYear = fiscalYearStart(tokyoDay(now()), 4);
    const lastYearDay = new Date(`${Number(thisYear.slice(0, 4)) - 1}-12-15T03:00:00Z`);
    // Other tests' gifts may fall in the last fiscal year too: this test adds exactly two lapsed people.
    const lapsedBefore = (await loadDashboard(app.ctx.db)).lapsed.count;
    const lapsed = await insertSupporter(app, 'one_time', '離脱');
    const returning = await insertSupporter(app, 'one_time', '継続');
    const monthly = await insertSupporter(app, 'monthly', '毎月');
    await insertGift(app, lapsed.id, 8000, lastYearDay);
    await insertGift(app, returning.id, 3000, lastYearDay);
    await insertGift(app, returning.id, 3000, new Date(`${thisYear}T03:00:00Z`));
    await insertGift(app, monthly.id, 1000, lastYearDay);
    // A gift on the last day of the previous fiscal year, late at night in Japan, still counts for it.
    const lastMinute = await insertSupporter(app, 'one_time', '年度末');
    await insertGift(app, lastMinute.id, 2000, new Date(new Date(`${thisYear}T00:00:00+09:00`).getTime() - 30 * 60 * 1000));

    const { html } = await admin.get('/admin');
    const list = /<table class="table dash-table" id="lapsed-supporters">[\s\S]*?<\/table>/.exec(html)![0];
    expect(list).toContain(`/admin/supporters/${lapsed.id}`);
    expect(list).toContain(`/admin/supporters/${lastMinute.id}`);
    expect(list).toContain(formatYen(8000, 'ja'));
    expect(list).not.toContain(returning.id);
    expect(list).not.toContain(monthly.id);
    expect(figure(html, 'lapsed')).toBe(`${lapsedBefore + 2}人`);
    // The most generous first.
    expect(list.indexOf(lapsed.id)).toBeLessThan(list.indexOf(lastMinute.id));
  });

  test('when staff or finance open the dashboard, then they see it too', async () => {
    for (const role of ['staff', 'finance'] as const) {
      const { visitor } = await signInAs(app, role);
      const { res, html } = await visitor.get('/admin');
      expect(res.status).toBe(200);
      expect(html).toContain('data-figure="monthly-supporters"');
    }
  });

  test('when the dashboard is served, then the chart script and Chart.js come from this server under the strict policy', async () => {
    const { res, html } = await admin.get('/admin');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle="/);
    for (const src of ['/assets/vendor/chart.js/chart.umd.min.js', '/assets/js/dashboard-chart.js']) {
      expect(html).toContain(`src="${src}"`);
      const asset = await fetch(app.url + src);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toContain('javascript');
    }
  });
});
