import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { createStaff } from '../../src/features/staff';
import { startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, openStaffPage } from '../helpers/browser';
import { joinAndPay } from '../helpers/giving';
import { requestLink } from '../helpers/me';
import { STAFF_PASSWORD } from '../helpers/staff';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
const publicPages = ['/', '/family', '/give', '/family/thanks', '/family/news', '/me'];
const consolePages = ['/admin', '/admin/supporters', '/admin/gifts/new', '/admin/newsletters', '/admin/newsletters/new', '/admin/exports', '/admin/settings', '/admin/audit'];

/** The axe violations of the page now open: rule id and the first offending element of each. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page: page as never }).withTags(TAGS).analyze();
  return result.violations.map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')} (${v.nodes.length})`);
}

describe('accessibility (axe, WCAG 2.2 A and AA) in Chromium', () => {
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

  test.each(['ja', 'en'])('when the public pages are opened in %s, then axe finds no violations', async (lang) => {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    const found: Record<string, string[]> = {};
    for (const path of publicPages) {
      await page.goto(`${app.url}${path}?lang=${lang}`);
      const list = await violations(page);
      if (list.length) found[path] = list;
    }
    // The join form with its errors, and My page signed in.
    await page.goto(`${app.url}/family?lang=${lang}`);
    await page.locator('#join button[type=submit]').click();
    await page.waitForSelector('[data-error-summary]');
    const joinErrors = await violations(page);
    if (joinErrors.length) found['/family (errors)'] = joinErrors;
    const { supporter } = await joinAndPay(app);
    const { link } = await requestLink(app, supporter.email);
    await page.goto(link);
    await page.locator('main form button[type=submit]').click();
    await page.waitForURL(/\/me(\?|$)/);
    const myPage = await violations(page);
    if (myPage.length) found['/me (signed in)'] = myPage;
    expect(found).toEqual({});
    await page.context().close();
  });

  test.each(['ja', 'en'])('when the main console pages are opened in %s, then axe finds no violations', async (lang) => {
    const email = `axe-${lang}-${Date.now()}@welgee.example`;
    await createStaff(app.ctx.db, { email, name: '確認 担当', role: 'admin', password: STAFF_PASSWORD });
    const page = await openStaffPage(browser, app.url, email, STAFF_PASSWORD, { viewport: { width: 1280, height: 900 } });
    const found: Record<string, string[]> = {};
    for (const path of consolePages) {
      await page.goto(`${app.url}${path}?lang=${lang}`);
      const list = await violations(page);
      if (list.length) found[path] = list;
    }
    expect(found).toEqual({});
    await page.context().close();
  });
});
