import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { subscriptions } from '../../src/db/schema';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { horizontalOverflow, launchBrowser, openStaffPage, screenshot } from '../helpers/browser';
import { joinAndPay } from '../helpers/giving';
import { requestLink } from '../helpers/me';
import { signInAs, STAFF_PASSWORD } from '../helpers/staff';

const widths = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;
// Also kept outside the repository for a person to look at.
const shotsDir = process.env.SHOTS_DIR;

async function shoot(page: Page, name: string) {
  const file = await screenshot(page, name);
  if (shotsDir) {
    fs.mkdirSync(shotsDir, { recursive: true });
    fs.copyFileSync(file, path.join(shotsDir, `${name}.png`));
  }
}

describe('a scheduled stop in Chromium, phone and desktop, Japanese and English', () => {
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

  test('when a supporter has changed plans and asked to stop, then My page, the cancel and plan pages and the console page show the stop date, and nothing scrolls sideways', async () => {
    const { fields, supporter, subscription } = await joinAndPay(app, { plan: '5000', family_name: '森', given_name: '春香' });
    for (const amount of [10000, 1000]) {
      await app.ctx.stripe.switchPlan(subscription.stripeSubscriptionId, amount as 10000 | 1000);
      await eventually(async () => ((await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.id, subscription.id)))[0]!.amount === amount ? true : undefined));
    }
    const staff = await signInAs(app, 'staff');

    for (const [size, viewport] of Object.entries(widths)) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const { link } = await requestLink(app, fields.email!);
      await page.goto(link);
      await page.getByRole('button', { name: 'ログインする' }).click();
      await page.waitForURL(`${app.url}/me`);
      if (size === 'phone') {
        for (const lang of ['ja', 'en']) {
          await page.goto(`${app.url}/me/cancel?lang=${lang}`);
          await shoot(page, `care-cancel-${lang}-${size}`);
          expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
        }
        await app.ctx.stripe.stripe.subscriptions.update(subscription.stripeSubscriptionId, { cancel_at_period_end: true });
        await eventually(async () => ((await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.id, subscription.id)))[0]!.cancelAtPeriodEnd ? true : undefined));
      } else {
        await page.goto(`${app.url}/me/cancel?lang=ja`);
        await shoot(page, `care-cancel-state-ja-${size}`);
      }
      for (const lang of ['ja', 'en']) {
        await page.goto(`${app.url}/me?lang=${lang}`);
        await page.waitForSelector('.me-badge--warn');
        expect(await page.locator('form[action="/me/resume"] button').isVisible()).toBe(true);
        await shoot(page, `care-me-${lang}-${size}`);
        expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
        await page.goto(`${app.url}/me/plan?amount=5000&lang=${lang}`);
        await shoot(page, `care-plan-state-${lang}-${size}`);
        expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      }
      await context.close();

      const console = await openStaffPage(browser, app.url, staff.email, STAFF_PASSWORD, { viewport });
      for (const lang of ['ja', 'en']) {
        await console.goto(`${app.url}/admin/supporters/${supporter.id}?lang=${lang}`);
        await console.waitForSelector('.sup-history');
        await shoot(console, `care-console-${lang}-${size}`);
      }
      await console.context().close();
    }
  }, 240_000);
});
