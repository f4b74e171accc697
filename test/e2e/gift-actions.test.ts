import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { createStaff } from '../../src/features/staff';
import { startTestApp, type TestApp } from '../helpers/app';
import { joinAndPay } from '../helpers/giving';
import { horizontalOverflow, launchBrowser, openStaffPage, screenshot } from '../helpers/browser';
import { STAFF_PASSWORD } from '../helpers/staff';

const shotsDir = process.env.SHOTS_DIR;

describe('quick actions on the supporter page in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  const email = `admin-${Date.now()}@welgee.example`;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    await createStaff(app.ctx.db, { email, name: '経理 担当', role: 'admin', password: STAFF_PASSWORD });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const save = async (page: Awaited<ReturnType<typeof openStaffPage>>, name: string) => {
    await screenshot(page, name);
    if (shotsDir) {
      fs.mkdirSync(shotsDir, { recursive: true });
      await page.screenshot({ path: path.join(shotsDir, `${name}.png`), fullPage: true });
    }
  };

  test.each([390, 1280])('when an admin opens a supporter at %i px, then the quick actions fit and the refund asks for a reason on a confirmation page first', async (width) => {
    const { supporter, gifts } = await joinAndPay(app, { plan: '5000' });
    const page = await openStaffPage(browser, app.url, email, STAFF_PASSWORD, { viewport: { width, height: 900 } });
    await page.goto(`${app.url}/admin/supporters/${supporter.id}`);
    await page.getByRole('button', { name: 'ログインリンクを送る' }).waitFor();
    await page
      .getByRole('button', { name: /領収書を送る/ })
      .first()
      .waitFor();
    await save(page, `supporter-quick-actions-${width}`);
    // The quick actions stay inside the window (the gifts table scrolls inside its own box).
    const wide = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.sup-quick, .sup-quick *, #gifts, .sup-table-wrap'))
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .map((el) => el.className),
    );
    expect(wide).toEqual([]);

    await page.getByRole('link', { name: /返金…/ }).first().click();
    await page.waitForURL(/\/refund\?back=supporter$/);
    expect(await page.locator('h1').textContent()).toBe('カードの寄付を返金');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await save(page, `refund-confirm-${width}`);
    // Submitting without a reason: the browser keeps the form (required); nothing is refunded.
    await page.getByRole('button', { name: /を返金する/ }).click();
    expect(page.url()).toContain(`/admin/gifts/${gifts[0]!.id}/refund`);
    await page.context().close();
  });
});
