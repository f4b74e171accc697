import crypto from 'node:crypto';
import type { Browser } from 'playwright-core';
import Stripe from 'stripe';
import { donations, subscriptions, supporters } from '../../src/db/schema';
import { createStaff } from '../../src/features/staff';
import { fiscalYearStart } from '../../src/features/reports/periods';
import { tokyoDay } from '../../src/lib/dates';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, screenshot, viewports, openStaffPage, horizontalOverflow } from '../helpers/browser';
import { giftsOf, joinAndPay } from '../helpers/giving';
import { STAFF_PASSWORD } from '../helpers/staff';

const DAY = 24 * 3600 * 1000;

describe('dashboard, settings, audit log and jobs board in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  const email = `admin-${Date.now()}@welgee.example`;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    await createStaff(app.ctx.db, { email, name: '管理 太郎', role: 'admin', password: STAFF_PASSWORD });

    // Real payments through the emulator: three plans and a partial refund.
    await joinAndPay(app, { plan: '1000' });
    await joinAndPay(app, { plan: '5000', family_name: 'Jones', given_name: 'Emily', locale: 'en' });
    const large = await joinAndPay(app, { plan: '10000', family_name: '佐藤', given_name: '由紀' });
    const stripe = new Stripe(app.stripe.secretKey, { host: '127.0.0.1', port: app.stripe.port, protocol: 'http' });
    await stripe.refunds.create({ charge: large.gifts[0]!.stripeChargeId!, amount: 3000 });
    await eventually(async () => (await giftsOf(app, large.supporter.id)).some((d) => d.entry === 'refund'));

    // A year of history recorded directly: monthly and one-time gifts, a failing card, a lapsed giver.
    const people = await app.ctx.db
      .insert(supporters)
      .values(
        ['田中 一郎', '鈴木 花子', 'Smith Jane', '高橋 健', '伊藤 美咲'].map((name, i) => {
          const [familyName, givenName] = name.split(' ') as [string, string];
          const address = `history-${i}-${crypto.randomUUID()}@example.jp`;
          return { email: address, emailNormalized: address, familyName, givenName, status: i === 4 ? ('one_time' as const) : ('monthly' as const) };
        }),
      )
      .returning();
    for (const [i, person] of people.slice(0, 4).entries()) {
      await app.ctx.db.insert(subscriptions).values({
        supporterId: person.id,
        stripeSubscriptionId: `sub_${crypto.randomUUID()}`,
        stripeCustomerId: `cus_h${i}`,
        status: i === 3 ? 'past_due' : 'active',
        amount: [1000, 5000, 10000, 5000][i]!,
      });
    }
    const rows: (typeof donations.$inferInsert)[] = [];
    for (let m = 1; m <= 11; m++) {
      const at = new Date(Date.now() - m * 30.4 * DAY);
      for (const [i, person] of people.slice(0, 3 + (m % 2)).entries()) {
        rows.push({ supporterId: person.id, entry: 'gift', amount: [1000, 5000, 10000, 5000][i]!, method: 'card', frequency: 'monthly', receivedAt: at, receivedOn: tokyoDay(at) });
      }
      if (m % 3 === 0)
        rows.push({
          supporterId: people[4]!.id,
          entry: 'gift',
          amount: 20000 + m * 1000,
          method: 'bank_transfer',
          frequency: 'one_time',
          channel: 'offline',
          receivedAt: at,
          receivedOn: tokyoDay(at),
        });
    }
    // Gave in the previous fiscal year (which started in April) and not since: lapsed.
    const lastYear = Number(fiscalYearStart(tokyoDay(new Date()), 4).slice(0, 4)) - 1;
    const goneEmail = `gone-${crypto.randomUUID()}@example.jp`;
    const [gone] = await app.ctx.db
      .insert(supporters)
      .values({ email: goneEmail, emailNormalized: goneEmail, familyName: '渡辺', givenName: '直美', status: 'lapsed' })
      .returning();
    const lastGift = new Date(`${lastYear}-11-20T03:00:00Z`);
    rows.push({
      supporterId: gone!.id,
      entry: 'gift',
      amount: 30000,
      method: 'bank_transfer',
      frequency: 'one_time',
      channel: 'offline',
      receivedAt: lastGift,
      receivedOn: tokyoDay(lastGift),
    });
    await app.ctx.db.insert(donations).values(rows);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const signIn = (width: keyof typeof viewports, problems: string[]) =>
    openStaffPage(browser, app.url, email, STAFF_PASSWORD, { viewport: viewports[width] }, (page) => {
      // The sign-in layout has no icon link, so Chromium asks for /favicon.ico once: not this page's doing.
      page.on('console', (m) => m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && problems.push(`${m.text()} ${m.location().url}`));
      page.on('pageerror', (e) => problems.push(e.message));
    });

  test.each(['desktop', 'tablet'] as const)('when an admin opens the dashboard on a %s, then the chart is drawn from the page data without any policy violation', async (width) => {
    const problems: string[] = [];
    const page = await signIn(width, problems);
    await page.waitForFunction(() => {
      const canvas = document.getElementById('gifts-chart') as HTMLCanvasElement | null;
      const chart = (window as unknown as { Chart?: { getChart(c: HTMLCanvasElement): unknown } }).Chart;
      return Boolean(canvas && chart?.getChart(canvas));
    });
    await page.waitForTimeout(600);
    // Something was painted: the canvas is not blank.
    const painted = await page.evaluate(() => {
      const canvas = document.getElementById('gifts-chart') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(1000);
    expect(await page.locator('#gifts-table tbody tr').count()).toBe(12);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, `admin-dashboard-ja-${width}`);

    await page.goto(`${app.url}/admin?lang=en`);
    await page.waitForFunction(() => document.querySelector('.dash-chart--drawn'));
    await page.waitForTimeout(600);
    if (width === 'desktop') await screenshot(page, 'admin-dashboard-en-desktop');
    await page.goto(`${app.url}/admin?lang=ja`);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  test.each(['desktop', 'tablet'] as const)(
    'when an admin edits settings on a %s, then the form reads well, mistakes are shown next to their field and the change is saved',
    async (width) => {
      const problems: string[] = [];
      const page = await signIn(width, problems);
      await page.goto(`${app.url}/admin/settings`);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await screenshot(page, `admin-settings-ja-${width}`);

      await page.locator('#f-organisation-contactEmail').fill('not-an-email');
      await page.locator('#f-familyPage-headline-en').fill(`A new headline (${width})`);
      await page.getByRole('button', { name: '設定を保存する' }).click();
      await page.waitForSelector('.error-summary');
      // The browser logs the 422 answer itself; that one is expected.
      const expected = problems.findIndex((p) => p.includes('status of 422'));
      if (expected >= 0) problems.splice(expected, 1);
      expect(await page.locator('#f-organisation-contactEmail-error').innerText()).toContain('メールアドレスの形式');
      // The other edit is kept in the form while the mistake is fixed.
      expect(await page.locator('#f-familyPage-headline-en').inputValue()).toBe(`A new headline (${width})`);
      if (width === 'desktop') await screenshot(page, 'admin-settings-error-ja-desktop');

      await page.locator('#f-organisation-contactEmail').fill('family@welgee.example');
      await page.getByRole('button', { name: '設定を保存する' }).click();
      await page.waitForURL(/saved=familyPage/);
      expect(await page.locator('.notice').innerText()).toContain('保存しました');
      await page.goto(`${app.url}/family?lang=en`);
      expect(await page.locator('h1').innerText()).toBe(`A new headline (${width})`);
      await page.goto(`${app.url}/admin/audit`);
      // The audit log reads as sentences (the page follows the English chosen on /family above).
      expect(await page.locator('#audit-entries').innerText()).toContain('管理 太郎 changed the settings');
      if (width === 'desktop') await screenshot(page, 'admin-audit-ja-desktop');
      expect(problems).toEqual([]);
      await page.context().close();
    },
  );

  test('when an admin opens the jobs board, then bull-board renders every queue under its own policy without violations', async () => {
    const problems: string[] = [];
    const page = await signIn('desktop', problems);
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sample} ${e.sourceFile}:${e.lineNumber}`),
      );
    });
    // /admin/jobs is the console's own jobs page; bull-board lives under /admin/jobs/board.
    await page.goto(`${app.url}/admin/jobs/board`);
    await page.getByText('billing').first().waitFor();
    await page.getByText('email').first().waitFor();
    await page.waitForTimeout(1000);
    await screenshot(page, 'admin-jobs-desktop');
    // A queue's own page loads more of the bundle.
    await page.goto(`${app.url}/admin/jobs/board/queue/email`);
    await page.waitForTimeout(1500);
    await screenshot(page, 'admin-jobs-queue-desktop');
    expect(violations).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
