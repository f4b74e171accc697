import type { Browser, Page } from 'playwright-core';
import { createStaff } from '../../src/features/staff';
import { startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, openStaffPage, screenshot } from '../helpers/browser';
import { STAFF_PASSWORD } from '../helpers/staff';

const phone = { width: 390, height: 844 };
const desktop = { width: 1280, height: 900 };

/** The summary's place and focus as the reader meets it. */
function summaryState(page: Page) {
  return page.evaluate(() => {
    const summary = document.querySelector<HTMLElement>('[data-error-summary]')!;
    const box = summary.getBoundingClientRect();
    return {
      isFocused: document.activeElement === summary,
      top: box.top,
      isInView: box.top >= -1 && box.top < window.innerHeight,
      links: Array.from(summary.querySelectorAll('a')).map((a) => a.getAttribute('href')),
      lines: Array.from(summary.querySelectorAll('li')).map((li) => li.textContent!.trim()),
    };
  });
}

describe('form errors in Chromium', () => {
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

  test('when an empty join form is sent on a 390 px phone, then the summary is in view and focused, lists the fields in form order, and a link moves focus to its field', async () => {
    const context = await browser.newContext({ viewport: phone });
    const page = await context.newPage();
    await page.goto(`${app.url}/family`);
    await page.locator('input[name=plan]:checked').evaluate((el: HTMLInputElement) => (el.checked = false));
    await page.locator('#join button[type=submit]').click();
    await page.waitForSelector('[data-error-summary]');
    await page.waitForFunction(() => document.activeElement?.hasAttribute('data-error-summary'));

    expect(await page.title()).toMatch(/^エラー: /);
    const state = await summaryState(page);
    expect(state.isFocused).toBe(true);
    expect({ top: state.top, inView: state.isInView }).toEqual({ top: state.top, inView: true });
    expect(state.links).toEqual(['#plan', '#family_name', '#given_name', '#email', '#privacy']);
    expect(state.lines[1]).toBe('お名前（姓）を入力してください。');
    expect(new Set(state.lines).size).toBe(state.lines.length);
    await page.screenshot({ path: '/tmp/shots-care-forms/join-error-ja-390.png', fullPage: false });

    await page.locator('[data-error-summary] a[href="#email"]').click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('email');
    expect(await page.locator('#email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#email').getAttribute('aria-describedby')).toContain('email-error');
    const emailTop = await page.locator('#email').evaluate((el) => el.getBoundingClientRect().top);
    expect(emailTop).toBeGreaterThanOrEqual(0);
    expect(emailTop).toBeLessThan(phone.height);

    await page.locator('[data-error-summary] a[href="#plan"]').click();
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe('plan');
    await context.close();
  });

  test('when the join form fails in English and on a desktop, then the summary reads "There is a problem" and the title starts with "Error: "', async () => {
    for (const [viewport, name] of [
      [phone, 'join-error-en-390'],
      [desktop, 'join-error-en-1280'],
      [desktop, 'join-error-ja-1280'],
    ] as const) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const lang = name.includes('-en-') ? 'en' : 'ja';
      await page.goto(`${app.url}/family?lang=${lang}`);
      await page.locator('#family_name').fill('Hassan');
      await page.locator('#join button[type=submit]').click();
      await page.waitForFunction(() => document.activeElement?.hasAttribute('data-error-summary'));
      const state = await summaryState(page);
      expect(state.isInView).toBe(true);
      if (lang === 'en') {
        expect(await page.title()).toMatch(/^Error: /);
        expect(await page.locator('#error-summary-title').innerText()).toBe('There is a problem');
        expect(state.lines).toEqual(['Enter given name.', 'Enter email address.', 'Please agree to how your personal data is handled.']);
      }
      await page.screenshot({ path: `/tmp/shots-care-forms/${name}.png`, fullPage: false });
      await context.close();
    }
  });

  test('when the console supporter form is sent empty, then its summary is focused and names each field', async () => {
    const email = `forms-${Date.now()}@welgee.example`;
    await createStaff(app.ctx.db, { email, name: '事務 担当', role: 'admin', password: STAFF_PASSWORD });
    for (const viewport of [phone, desktop]) {
      const page = await openStaffPage(browser, app.url, email, STAFF_PASSWORD, { viewport });
      await page.goto(`${app.url}/admin/supporters/new`);
      await page.locator('main form button[type=submit]').last().click();
      await page.waitForFunction(() => document.activeElement?.hasAttribute('data-error-summary'));
      const state = await summaryState(page);
      expect(state.isInView).toBe(true);
      expect(state.links.slice(0, 3)).toEqual(['#family_name', '#given_name', '#email']);
      expect(state.lines[0]).toBe('姓を入力してください。');
      await screenshot(page, `console-supporter-error-${viewport.width}`);
      await page.screenshot({ path: `/tmp/shots-care-forms/console-supporter-error-${viewport.width}.png`, fullPage: false });
      await page.context().close();
    }
  });
});
