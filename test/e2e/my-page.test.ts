import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { parseMail } from '../../src/dev/mail-sink';
import { donations, subscriptions } from '../../src/db/schema';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, screenshot, viewports, horizontalOverflow } from '../helpers/browser';
import { joinAndPay } from '../helpers/giving';
import { signInSupporter } from '../helpers/me';
import { pdfText } from '../helpers/pdf';
import { signInAs } from '../helpers/staff';

describe('My page in Chromium on a phone', () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test('when a supporter signs in from the emailed link, downloads a receipt and switches from ¥1,000 to ¥5,000, then each step works at phone width', async () => {
    const { fields, gifts, subscription } = await joinAndPay(app, { plan: '1000', family_name: '田中', given_name: '美咲' });
    const context = await browser.newContext({ viewport: viewports.phone, acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${app.url}/me`);
    await screenshot(page, 'me-login-ja-phone');
    await page.getByLabel('メールアドレス').fill(fields.email!);
    const before = app.mail.messages.length;
    await page.getByRole('button', { name: 'ログイン用リンクを送る' }).click();
    await page.waitForSelector('text=メールをご確認ください');
    await screenshot(page, 'me-login-sent-ja-phone');

    // The link, read from the message the SMTP server received.
    const link = await eventually(async () => {
      for (const m of app.mail.messages.slice(before)) {
        const mail = await parseMail(m.raw);
        const found = /https?:\/\/\S+\/me\/link\/[\w-]{43}/.exec(mail.text ?? '')?.[0];
        if (found && m.envelopeTo.includes(fields.email!)) return found;
      }
      return undefined;
    }, 20_000);
    await page.goto(link);
    await page.getByRole('button', { name: 'ログインする' }).click();
    await page.waitForURL(`${app.url}/me`);
    await page.waitForSelector('text=田中 美咲 さん');
    await screenshot(page, 'me-overview-ja-phone');
    const overflow = await horizontalOverflow(page);
    expect(overflow).toBeLessThanOrEqual(0);

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`a[href="/me/gifts/${gifts[0]!.id}/receipt.pdf"]`).click()]);
    expect(download.suggestedFilename()).toBe(`receipt-${gifts[0]!.receiptNumber}.pdf`);
    const text = await pdfText(fs.readFileSync((await download.path())!));
    expect(text).toContain(gifts[0]!.receiptNumber!);

    await page.getByRole('link', { name: '￥5,000 / 月' }).click();
    await page.waitForSelector('text=プランの変更');
    await screenshot(page, 'me-plan-confirm-ja-phone');
    await page.getByRole('button', { name: '￥5,000に変更する' }).click();
    await page.waitForURL(/\/me\?done=plan/);
    await eventually(async () => {
      const [row] = await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.id, subscription.id));
      return row!.amount === 5000 ? true : undefined;
    });
    await page.reload();
    expect(await page.locator('.me-plan__amount').innerText()).toBe('￥5,000 / 月');
    await screenshot(page, 'me-overview-after-plan-ja-phone');

    await page.goto(`${app.url}/me/cancel`);
    await screenshot(page, 'me-cancel-ja-phone');
    await page.goto(`${app.url}/me/profile?lang=en`);
    await screenshot(page, 'me-profile-en-phone');
    await page.goto(`${app.url}/me?lang=en`);
    await screenshot(page, 'me-overview-en-phone');
    await page.goto(`${app.url}/me/data?lang=ja`);
    await screenshot(page, 'me-data-ja-phone');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('when a supporter asks for deletion and an admin confirms it in the console, then their page is gone and the ledger keeps the gift', async () => {
    const { fields, supporter, gifts } = await joinAndPay(app, { plan: '1000', family_name: '削除', given_name: '希望' });
    const phone = await browser.newContext({ viewport: viewports.phone });
    const page = await phone.newPage();
    const visitor = await signInSupporter(app, fields.email!);
    const cookie = /wf_me=([^;]+)/.exec(visitor.cookieHeader('/me'))![1]!;
    await phone.addCookies([{ name: 'wf_me', value: cookie, url: `${app.url}/me` }]);
    await page.goto(`${app.url}/me/data`);
    await page.getByRole('button', { name: '削除を依頼する' }).click();
    await page.waitForSelector('.error-summary');
    await page.getByLabel('上の内容を理解したうえで、個人情報の削除を依頼します。').check();
    await page.getByRole('button', { name: '削除を依頼する' }).click();
    await page.waitForURL(/\/me\?done=deletion/);
    await screenshot(page, 'me-deletion-requested-ja-phone');

    const desk = await browser.newContext({ viewport: viewports.desktop });
    const admin = await desk.newPage();
    const staff = await signInAs(app, 'admin');
    const sid = /wf_sid=([^;]+)/.exec(staff.visitor.cookieHeader('/admin'))![1]!;
    await desk.addCookies([{ name: 'wf_sid', value: sid, url: `${app.url}/admin` }]);
    await admin.goto(`${app.url}/admin/deletion-requests`);
    await screenshot(admin, 'admin-deletion-requests-desktop');
    await admin.locator(`a[href^="/admin/deletion-requests/"]`).first().click();
    await admin.waitForSelector('text=元に戻せないことを理解しました');
    await screenshot(admin, 'admin-deletion-request-desktop');
    await admin.getByLabel('元に戻せないことを理解しました').check();
    await admin.getByRole('button', { name: '個人情報を削除する' }).click();
    await admin.waitForLoadState();
    await screenshot(admin, 'admin-deletion-done-desktop');

    await page.reload();
    expect(await page.locator('body').innerText()).not.toContain('削除 希望');
    const rows = await app.ctx.db.select().from(donations).where(eq(donations.supporterId, supporter.id));
    expect(rows.map((r) => [r.amount, r.receiptNumber])).toEqual(gifts.map((g) => [g.amount, g.receiptNumber]));
    await phone.close();
    await desk.close();
  });
});
