import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { donations, supporters } from '../../src/db/schema';
import { createStaff } from '../../src/features/staff';
import { startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, screenshot, signInStaffInBrowser, viewports, horizontalOverflow } from '../helpers/browser';
import { signInSupporter } from '../helpers/me';
import { setMessagesPerSecond } from '../helpers/newsletters';
import { pdfText } from '../helpers/pdf';
import { STAFF_PASSWORD } from '../helpers/staff';
import { tokyoDay } from '../../src/lib/dates';

describe('the annual impact report in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  const email = `report-staff-${Date.now()}@welgee.example`;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    await setMessagesPerSecond(app.ctx, 100);
    await createStaff(app.ctx.db, { email, name: '報告 担当', role: 'staff', password: STAFF_PASSWORD });
    const people = await app.ctx.db
      .insert(supporters)
      .values([
        {
          email: 'kobayashi@example.jp',
          emailNormalized: 'kobayashi@example.jp',
          familyName: '小林',
          givenName: '優子',
          postalCode: '1500001',
          prefecture: '東京都',
          address: '渋谷区神宮前1-2-3',
        },
        { email: 'joseph@example.jp', emailNormalized: 'joseph@example.jp', familyName: 'Mbeki', givenName: 'Joseph', locale: 'en' },
      ])
      .returning();
    const rows = people.flatMap((p, n) =>
      Array.from({ length: 12 }, (_, m) => {
        const at = new Date(`2025-${String(m + 1).padStart(2, '0')}-15T12:00:00+09:00`);
        return {
          supporterId: p.id,
          entry: 'gift' as const,
          amount: n === 0 ? 5000 : 1000,
          method: 'card',
          frequency: 'monthly' as const,
          planAmount: n === 0 ? 5000 : 1000,
          channel: 'stripe' as const,
          receivedAt: at,
          receivedOn: tokyoDay(at),
        };
      }),
    );
    await app.ctx.db.insert(donations).values(rows);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test('when staff prepare 2025, edit a figure, preview it for a supporter and send it, then the progress bar reaches 100 % and the supporter finds the receipt on My page', async () => {
    const context = await browser.newContext({ viewport: viewports.desktop });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signInStaffInBrowser(page, app.url, email, STAFF_PASSWORD);

    await page.getByRole('link', { name: '年次報告' }).first().click();
    await page.waitForSelector('text=まだ年次報告はありません');
    await screenshot(page, 'annual-reports-empty-desktop');
    await page.getByLabel('年', { exact: true }).fill('2025');
    await page.getByRole('button', { name: '下書きを作る' }).click();
    await page.waitForURL(/\/admin\/annual-reports\/2025\?prepared=1$/);
    await page.waitForSelector('text=下書きを作りました');
    await page.locator('#value-2').fill('41');
    await page.locator('#labelJa-4').fill('企業との出会いの場');
    await page.locator('#labelEn-4').fill('Meetings with companies');
    await page.locator('#value-4').fill('12');
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForSelector('text=保存しました。');
    expect(await page.locator('[data-recipient-count]').getAttribute('data-recipient-count')).toBe('2');
    await screenshot(page, 'annual-report-edit-desktop');

    await page.getByRole('link', { name: '小林 優子' }).click();
    await page.waitForSelector('iframe.ar-frame');
    const frame = page.frameLocator('iframe.ar-frame');
    await frame.getByText('企業との出会いの場', { exact: true }).waitFor();
    await frame.locator('text=￥60,000').waitFor();
    await screenshot(page, 'annual-report-preview-desktop');

    await page.goto(`${app.url}/admin/annual-reports/2025`);
    await page.getByRole('link', { name: '送信の確認へ進む' }).click();
    await page.waitForSelector('text=送信は取り消せません');
    await screenshot(page, 'annual-report-confirm-desktop');
    await page.getByLabel('2人に送信することを確認しました').check();
    await page.getByRole('button', { name: '2人に送信する' }).click();
    await page.waitForURL(/\/admin\/newsletters\/[0-9a-f-]+\?started=1/);
    await page.waitForSelector('[data-figure="percent"]:text("100%")', { timeout: 60_000 });
    await page.waitForSelector('#nl-status:text("送信済み")', { timeout: 30_000 });
    await screenshot(page, 'annual-report-sent-desktop');
    expect(errors).toEqual([]);

    // The same page at phone width stays inside the screen.
    const phone = await browser.newContext({ viewport: viewports.phone });
    const small = await phone.newPage();
    await signInStaffInBrowser(small, app.url, email, STAFF_PASSWORD);
    await small.goto(`${app.url}/admin/annual-reports/2025`);
    await screenshot(small, 'annual-report-phone');
    expect(await horizontalOverflow(small)).toBeLessThanOrEqual(0);

    // My page at phone width: the year's combined receipt, downloaded.
    const visitor = await signInSupporter(app, 'kobayashi@example.jp');
    const me = await browser.newContext({ viewport: viewports.phone, acceptDownloads: true });
    const [name, value] = visitor
      .cookieHeader('/me')
      .split('; ')
      .find((c) => c.startsWith('wf_me='))!
      .split(/=(.*)/s) as [string, string];
    await me.addCookies([{ name, value, url: `${app.url}/me` }]);
    const mePage = await me.newPage();
    await mePage.goto(`${app.url}/me`);
    await mePage.waitForSelector('text=2025年の合計領収書（PDF）');
    await mePage.locator('#annual-receipts-title').scrollIntoViewIfNeeded();
    await screenshot(mePage, 'me-annual-receipt-phone');
    expect(await horizontalOverflow(mePage)).toBeLessThanOrEqual(0);
    const [download] = await Promise.all([mePage.waitForEvent('download'), mePage.getByRole('link', { name: '2025年の合計領収書（PDF）' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^combined-receipt-A2025-\d{5}\.pdf$/);
    const text = pdfText(fs.readFileSync((await download.path())!));
    expect(text).toContain('小林 優子');
    expect(text).toContain('60,000');
  });
});
