import type { Browser } from 'playwright-core';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, screenshot, viewports, horizontalOverflow } from '../helpers/browser';

describe('joining WELgee Family in Chromium on a phone', () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    app = await startTestApp();
    // The live count is shown from the first supporter here (the default hides it below 10).
    const { familyPage } = await app.ctx.settings.get();
    await app.ctx.settings.update('familyPage', { ...familyPage, countThreshold: '0' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test('when a person joins for ¥5,000 in Japanese and pays on the checkout page, then the thanks page confirms and the count goes up by one', async () => {
    const context = await browser.newContext({ viewport: viewports.phone });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${app.url}/family`);
    const countText = async () => Number((await page.locator('.counter strong').innerText()).replace(/,/g, ''));
    const before = await countText();
    await screenshot(page, 'join-ja-phone');
    const overflow = await horizontalOverflow(page);
    expect(overflow).toBeLessThanOrEqual(0);

    // A mistake first: the form comes back with the message next to the field, nothing lost.
    await page.getByLabel('￥5,000 / 月').check();
    await page.locator('#family_name').fill('佐藤');
    await page.locator('#given_name').fill('健');
    await page.locator('#email').fill('sato-at-example');
    await page.getByLabel('個人情報の取り扱いに同意します').check();
    await page.getByRole('button', { name: 'お支払いへ進む' }).click();
    await page.waitForSelector('.error-summary');
    expect(await page.locator('#email-error').innerText()).toContain('メールアドレスの形式が正しくありません');
    expect(await page.locator('#family_name').inputValue()).toBe('佐藤');
    await screenshot(page, 'join-ja-phone-error');

    await page.locator('#email').fill(`sato-${Date.now()}@example.jp`);
    await page.locator('#family_name_kana').fill('さとう');
    await page.getByLabel('個人情報の取り扱いに同意します').check();
    await page.getByRole('button', { name: 'お支払いへ進む' }).click();

    await page.waitForURL(/\/checkout\/cs_/);
    expect(await page.locator('body').innerText()).toContain('5,000');
    await page.locator('#card_number').fill('4242 4242 4242 4242');
    if (await page.locator('#card_expiry').count()) await page.locator('#card_expiry').fill('12 / 34');
    if (await page.locator('#card_cvc').count()) await page.locator('#card_cvc').fill('123');
    if (await page.locator('#cardholder_name').count()) await page.locator('#cardholder_name').fill('KEN SATO');
    await screenshot(page, 'checkout-ja-phone');
    await page.locator('button[type=submit]').click();

    await page.waitForURL(/\/family\/thanks/);
    await page.waitForSelector('text=お支払いを確認しました', { timeout: 20_000 });
    await screenshot(page, 'thanks-ja-phone');

    await eventually(
      async () => {
        await page.goto(`${app.url}/family`);
        return (await countText()) === before + 1;
      },
      20_000,
      500,
    );
    await screenshot(page, 'join-ja-phone-after');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('when the join and give pages are opened on a desktop in English, then they render without overflow', async () => {
    const context = await browser.newContext({ viewport: viewports.desktop });
    const page = await context.newPage();
    await page.goto(`${app.url}/family?lang=en`);
    expect(await page.locator('h1').innerText()).toContain('Will you join the WELgee Family?');
    await screenshot(page, 'join-en-desktop');
    await page.goto(`${app.url}/give?lang=en`);
    expect(await page.locator('h1').innerText()).toBe('Give once');
    await screenshot(page, 'give-en-desktop');
    await context.close();
  });
});
