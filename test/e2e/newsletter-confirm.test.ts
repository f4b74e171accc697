import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { supporters } from '../../src/db/schema';
import { startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, screenshot, viewports, horizontalOverflow } from '../helpers/browser';
import { joinFields, mailTo, startJoin } from '../helpers/giving';

describe('confirming the newsletter from the emailed link in Chromium on a phone', () => {
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

  test('when a person opens the link from an unpaid join and presses the button, then they are subscribed and see so', async () => {
    const fields = joinFields({ newsletter: 'on' });
    const { sessionId } = await startJoin(app, fields);
    const expired = await fetch(`${app.stripe.url}/v1/checkout/sessions/${sessionId}/expire`, { method: 'POST', headers: { authorization: `Bearer ${app.stripe.secretKey}` } });
    expect(expired.status).toBe(200);
    const [mail] = await mailTo(app, fields.email!, 1, (s) => s.includes('【確認】'));
    const link = /https?:\/\/\S+\/family\/newsletter\/confirm\/\S+/.exec(mail!.text!)![0]!;

    const context = await browser.newContext({ viewport: viewports.phone });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(link);
    expect(await page.locator('body').innerText()).toContain('メールマガジン「WELgeeファミリー通信」を受け取る');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'newsletter-confirm-ja-phone');
    const [before] = await app.ctx.db.select().from(supporters).where(eq(supporters.email, fields.email!));
    expect(before!.newsletter).toBe(false);

    await page.getByRole('button', { name: '購読を確定する' }).click();
    await page.waitForURL(/\/family\/newsletter\/confirmed/);
    expect(await page.locator('h1').innerText()).toContain('購読を承りました');
    await screenshot(page, 'newsletter-confirmed-ja-phone');
    const [after] = await app.ctx.db.select().from(supporters).where(eq(supporters.email, fields.email!));
    expect(after!.newsletter).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
