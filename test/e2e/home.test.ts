import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, screenshot, viewports, horizontalOverflow } from '../helpers/browser';

describe('home page in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  for (const [device, viewport] of Object.entries({ phone: viewports.phone, desktop: viewports.desktop })) {
    test(`when a person opens the home page on a ${device}, then it reads in Japanese and switches to English`, async () => {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));

      await page.goto(`${app.url}/`);
      expect(await page.locator('h1').innerText()).toContain('WELgeeファミリー');
      expect(await page.getAttribute('html', 'lang')).toBe('ja');
      // Nothing overflows the viewport sideways on a phone.
      const overflow = await horizontalOverflow(page);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(fs.existsSync(await screenshot(page, `home-ja-${device}`))).toBe(true);

      await page.getByRole('link', { name: 'English' }).click();
      await page.waitForURL(/lang=en/);
      expect(await page.locator('h1').innerText()).toContain('Will you join the WELgee Family?');
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      await screenshot(page, `home-en-${device}`);

      // The choice sticks when the person navigates without the query string.
      await page.goto(`${app.url}/`);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  test('when a page does not exist, then the 404 page is readable on a phone', async () => {
    const context = await browser.newContext({ viewport: viewports.phone });
    const page = await context.newPage();
    const res = await page.goto(`${app.url}/missing-page`);
    expect(res?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('ページが見つかりません');
    await screenshot(page, 'not-found-ja-phone');
    await context.close();
  });
});
