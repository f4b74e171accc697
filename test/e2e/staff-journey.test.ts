import type { Browser } from 'playwright-core';
import { tokyoDay } from '../../src/lib/dates';
import { startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, screenshot, viewports } from '../helpers/browser';
import { joinAndPay } from '../helpers/giving';
import { signInAs, STAFF_PASSWORD } from '../helpers/staff';

describe('a staff member’s day in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    await joinAndPay(app, { family_name: '渡辺', given_name: '健二', family_name_kana: 'ワタナベ', given_name_kana: 'ケンジ', plan: '1000' });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const yenOf = (text: string) => Number(text.replace(/[^\d]/g, ''));

  test.each(['desktop', 'tablet'] as const)('when staff sign in on a %s, find a supporter by hiragana and record a bank transfer, then the dashboard shows it', async (width) => {
    const { email } = await signInAs(app, 'staff');
    const context = await browser.newContext({ viewport: viewports[width] });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${app.url}/admin`);
    await page.waitForURL(/\/admin\/login/);
    await page.locator('#email').fill(email);
    await page.locator('#password').fill(STAFF_PASSWORD);
    await page.getByRole('button', { name: 'ログイン' }).click();
    await page.waitForURL(`${app.url}/admin`);
    const before = yenOf(await page.locator('[data-figure="one-time-amount"]').innerText());
    await screenshot(page, `staff-dashboard-before-${width}`);

    await page.goto(`${app.url}/admin/supporters`);
    await page.locator('#q').fill('わたなべ');
    await page.locator('#q').press('Enter');
    await page.waitForURL(/q=/);
    expect(await page.locator('main').innerText()).toContain('渡辺');
    await screenshot(page, `staff-search-kana-${width}`);

    await page.goto(`${app.url}/admin/gifts/new?q=${encodeURIComponent('わたなべ')}`);
    await page.locator('input[name=supporter_id]').first().check();
    await page.locator('#amount').fill('3000');
    await page.locator('#received_on').fill(tokyoDay(new Date()));
    await page.locator('#payer_name').fill('ﾜﾀﾅﾍﾞ ｹﾝｼﾞ');
    await page.getByRole('button', { name: '寄付を記録する' }).click();
    await page.waitForURL(/recorded=1/);
    await screenshot(page, `staff-gift-recorded-${width}`);

    await page.goto(`${app.url}/admin`);
    const after = yenOf(await page.locator('[data-figure="one-time-amount"]').innerText());
    expect(after).toBe(before + 3000);
    await screenshot(page, `staff-dashboard-after-${width}`);
    expect(errors).toEqual([]);
    await context.close();
  });
});
