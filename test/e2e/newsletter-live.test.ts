import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { horizontalOverflow, launchBrowser, openStaffPage, screenshot } from '../helpers/browser';
import { createNewsletter, insertSupporters, setMessagesPerSecond } from '../helpers/newsletters';
import { signInAs, STAFF_PASSWORD } from '../helpers/staff';

// Staff send an issue to a tag in Chromium and watch it go: the recipient list changes row by row
// without a reload, then the finished page shows the link clicks. Phone (390 px) and desktop widths.

const phone = { width: 390, height: 844 };
const desktop = { width: 1280, height: 900 };
const shots = '/tmp/shots-care-news';

async function shoot(page: Page, name: string) {
  const file = await screenshot(page, name);
  fs.mkdirSync(shots, { recursive: true });
  fs.copyFileSync(file, `${shots}/${name}.png`);
}

describe('sending a newsletter in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let email: string;
  let tag: string;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    ({ email } = await signInAs(app, 'staff'));
    tag = `企業パートナー-${Date.now()}`;
    await insertSupporters(app.ctx.db, { count: 8, tag });
    await setMessagesPerSecond(app.ctx, 2);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test('when staff pick a tag and send, then the archive box starts unticked and the recipient list turns 送信済み row by row without a reload', async () => {
    const id = await createNewsletter(app.ctx.db, {
      tag,
      subjectJa: '企業パートナーの皆さまへ 6月のご報告',
      bodyJa: '今月の[活動報告](https://welgee.jp/report)をお届けします。\n\n詳しくは https://welgee.jp/story をご覧ください。',
    });
    for (const [name, viewport] of [
      ['phone', phone],
      ['desktop', desktop],
    ] as const) {
      const page = await openStaffPage(browser, app.url, email, STAFF_PASSWORD, { viewport });
      await page.goto(`${app.url}/admin/newsletters/${id}/edit`);
      const picker = page.getByLabel('タグを選ぶ');
      expect(await picker.inputValue()).toBe(tag);
      expect(await picker.locator('option:checked').innerText()).toBe(`${tag}（8人）`);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await page.locator('#tag').scrollIntoViewIfNeeded();
      await shoot(page, `newsletter-compose-tag-${name}`);
      await page.goto(`${app.url}/admin/newsletters/${id}/send`);
      expect(await page.getByLabel('公開アーカイブに掲載する').isChecked()).toBe(false);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await shoot(page, `newsletter-confirm-${name}`);
      await page.context().close();
    }

    const page = await openStaffPage(browser, app.url, email, STAFF_PASSWORD, { viewport: desktop });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${app.url}/admin/newsletters/${id}/send`);
    await page.getByLabel(/内容を確認しました/).check();
    await page.getByRole('button', { name: /人に送信する/ }).click();
    await page.waitForURL(new RegExp(`/admin/newsletters/${id}\\?started=1`));
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    // Some rows sent while others still wait, on the same page (no reload).
    await page.waitForFunction(
      () => {
        const rows = Array.from(document.querySelectorAll('#nl-deliveries-body tr')).map((r) => r.getAttribute('data-delivery-status'));
        return rows.includes('sent') && rows.some((s) => s === 'queued' || s === 'sending');
      },
      undefined,
      { timeout: 15_000 },
    );
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(await page.locator('#nl-deliveries-body tr[data-delivery-status="sent"] .nl-dstatus').first().innerText()).toBe('送信済み');
    await shoot(page, 'newsletter-issue-sending-desktop');
    await page.setViewportSize(phone);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await shoot(page, 'newsletter-issue-sending-phone');

    // When the send ends the page is drawn again: every row sent, the link table, the archive choice.
    await page.waitForFunction(() => document.querySelector('#nl-status')?.textContent?.includes('送信済み'), undefined, { timeout: 30_000 });
    await page.waitForLoadState('load');
    expect(await page.locator('#nl-deliveries-body tr[data-delivery-status="sent"]').count()).toBe(8);
    expect(await page.locator('#clicks').innerText()).toContain('https://welgee.jp/report');
    expect(await page.locator('body').innerText()).toContain('この号は公開アーカイブに表示していません。');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await shoot(page, 'newsletter-issue-sent-phone');
    await page.setViewportSize(desktop);
    await shoot(page, 'newsletter-issue-sent-desktop');
    expect(errors).toEqual([]);
  }, 180_000);
});
