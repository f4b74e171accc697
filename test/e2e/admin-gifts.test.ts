import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { bankImportLines, donations, subscriptions, supporters } from '../../src/db/schema';
import { createStaff } from '../../src/features/staff';
import { tokyoDay } from '../../src/lib/dates';
import { startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, screenshot, viewports, openStaffPage, horizontalOverflow } from '../helpers/browser';
import { STAFF_PASSWORD } from '../helpers/staff';

const DAY = 24 * 3600 * 1000;
const daysAgo = (n: number) => tokyoDay(new Date(Date.now() - n * DAY));

describe('recording gifts and importing a bank statement in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  const email = `finance-${Date.now()}@welgee.example`;

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    browser = await launchBrowser();
    await createStaff(app.ctx.db, { email, name: '経理 担当', role: 'finance', password: STAFF_PASSWORD });
    const people: [string, string, string, string, number?][] = [
      ['山田', '花子', 'ヤマダ', 'ハナコ', 5000],
      ['山田', '花子', 'ヤマダ', 'ハナコ'],
      ['Jones', 'Emily', 'ジョーンズ', 'エミリー', 10000],
      ['鈴木', '一郎', 'スズキ', 'イチロー'],
      ['佐藤', '由紀', 'サトウ', 'ユキ'],
      ['佐藤', '由紀', 'サトウ', 'ユキ'],
    ];
    for (const [i, [family, given, familyKana, givenKana, plan]] of people.entries()) {
      const address = `browser-${i}-${Date.now()}@example.jp`;
      const [row] = await app.ctx.db
        .insert(supporters)
        .values({ email: address, emailNormalized: address, familyName: family, givenName: given, familyNameKana: familyKana, givenNameKana: givenKana })
        .returning();
      if (plan)
        await app.ctx.db
          .insert(subscriptions)
          .values({ supporterId: row!.id, stripeSubscriptionId: `sub_${crypto.randomUUID()}`, stripeCustomerId: `cus_b${i}`, status: 'active', amount: plan });
    }
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const signIn = (width: keyof typeof viewports) => openStaffPage(browser, app.url, email, STAFF_PASSWORD, { viewport: viewports[width] });

  test.each(['desktop', 'tablet'] as const)(
    'when finance staff record a bank transfer on a %s, then the form finds the supporter, shows mistakes next to the field and records the gift',
    async (width) => {
      const page = await signIn(width);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${app.url}/admin/gifts/new`);
      await page.locator('#q').fill('やまだ');
      await page.getByRole('button', { name: '検索' }).click();
      await page.waitForURL(/q=/);
      await page.locator('input[name=supporter_id]').first().check();
      await page.locator('#amount').fill('５，０００');
      await page.locator('#received_on').fill(daysAgo(1));
      // The payer as written in a paper note (kanji), not as the bank prints it.
      await page.locator('#payer_name').fill('山田 花子');
      await page.getByRole('button', { name: '寄付を記録する' }).click();
      await page.waitForSelector('.error-summary');
      expect(await page.locator('#payer_name-error').innerText()).toContain('カタカナ');
      expect(await page.locator('#amount').inputValue()).toBe('５，０００');
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await screenshot(page, `admin-gift-form-error-ja-${width}`);

      await page.locator('#payer_name').fill('ﾔﾏﾀﾞ ﾊﾅｺ');
      await page.getByRole('button', { name: '寄付を記録する' }).click();
      await page.waitForURL(/recorded=1/);
      expect(await page.locator('.notice').innerText()).toContain('記録しました');
      await screenshot(page, `admin-gift-recorded-ja-${width}`);

      // The empty form, with search results for the supporter, as staff first see it.
      await page.goto(`${app.url}/admin/gifts/new?q=${encodeURIComponent('さとう')}`);
      await page.locator('input[value=new]').check();
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await screenshot(page, `admin-gift-form-ja-${width}`);
      expect(errors).toEqual([]);
    },
  );

  test.each(['desktop', 'tablet'] as const)(
    'when finance staff upload a statement on a %s, then the review lists each line with its suggestion and confirming records it',
    async (width) => {
      const page = await signIn(width);
      await page.goto(`${app.url}/admin/imports`);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await screenshot(page, `admin-imports-ja-${width}`);
      const d = daysAgo(width === 'desktop' ? 2 : 3);
      const csv =
        '\uFEFF日付,金額,振込依頼人名\r\n' +
        `${d.replaceAll('-', '/')},"5,000",ﾔﾏﾀﾞ ﾊﾅｺ\r\n${d},10000,ｼﾞﾖｰﾝｽﾞ ｴﾐﾘｰ\r\n${d},3000,ﾌﾘｺﾐ ｽｽﾞｷ ｲﾁﾛｳ\r\n${d},1000,ｻﾄｳ ﾕｷ\r\n${d},2000,ﾀｶﾊｼ ｹﾝ\r\n`;
      await page.locator('#file').setInputFiles({ name: `入金明細-${width}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.getByRole('button', { name: 'アップロードして確認する' }).click();
      await page.waitForURL(/\/admin\/imports\/[0-9a-f-]{36}$/);
      expect(await page.locator('.import-row').count()).toBe(5);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await screenshot(page, `admin-import-review-ja-${width}`);

      const importId = /imports\/([0-9a-f-]{36})/.exec(page.url())![1]!;
      const lines = await app.ctx.db.select().from(bankImportLines).where(eq(bankImportLines.importId, importId));
      const takahashi = lines.find((l) => l.payerName === 'タカハシ ケン')!;
      await page.locator(`select[name=line_${takahashi.id}]`).selectOption('skip');
      await page.getByRole('button', { name: '選んだ内容で記録する' }).click();
      await page.waitForURL(/recorded=3/);
      await screenshot(page, `admin-import-confirmed-ja-${width}`);
      const recorded = await app.ctx.db.select().from(donations).where(eq(donations.receivedOn, d));
      expect(recorded.filter((r) => r.bankFingerprint)).toHaveLength(3);
    },
  );
});
