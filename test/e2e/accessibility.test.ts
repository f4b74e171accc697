import AxeBuilder from '@axe-core/playwright';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { newsletters, supporters } from '../../src/db/schema';
import { unsubscribeToken } from '../../src/features/newsletters/unsubscribe-token';
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

// An issue in the public archive, with the Markdown a real issue carries (headings, a list, links, a quote).
const ISSUE_BODY = [
  '## 今月のできごと',
  '',
  '難民の方の**就職が3件**決まりました。',
  '',
  '- 企業との面談：12回',
  '- 研修の参加者：8人',
  '',
  '> 「日本で働けることがうれしいです。」',
  '',
  '詳しくは[活動報告](https://welgee.example/report)をご覧ください。',
].join('\n');

describe('accessibility (axe, WCAG 2.2 A and AA) in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let issueId: string;
  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    const [issue] = await app.ctx.db
      .insert(newsletters)
      .values({
        subjectJa: 'WELgeeファミリー通信 12月号',
        bodyJa: ISSUE_BODY,
        subjectEn: 'WELgee Family News, December',
        bodyEn: '## This month\n\nThree people found work.\n\n- Interviews: 12\n\nRead the [report](https://welgee.example/report).',
        status: 'sent',
        startedAt: new Date(),
        finishedAt: new Date(),
      })
      .returning();
    issueId = issue!.id;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test.each(['ja', 'en'])(
    'when the public pages are opened in %s, then axe finds no violations',
    async (lang) => {
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
    },
    300_000,
  );

  test.each(['ja', 'en'])(
    'when an archived issue and the unsubscribe page are opened in %s, then axe finds no violations',
    async (lang) => {
      const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
      const found: Record<string, string[]> = {};
      const { supporter } = await joinAndPay(app);
      // An issue of the public archive, and the unsubscribe page before and after the click.
      await page.goto(`${app.url}/family/news/${issueId}?lang=${lang}`);
      await page.waitForSelector('main h1');
      const issue = await violations(page);
      if (issue.length) found['/family/news/<issue>'] = issue;
      await app.ctx.db
        .update(supporters)
        .set({ newsletter: true, locale: lang as 'ja' | 'en' })
        .where(eq(supporters.id, supporter.id));
      await page.goto(`${app.url}/unsubscribe/${unsubscribeToken(app.ctx.sessionSecret, supporter.id)}`);
      await page.waitForSelector('form[action^="/unsubscribe/"]');
      const unsubscribe = await violations(page);
      if (unsubscribe.length) found['/unsubscribe/<token>'] = unsubscribe;
      await page.locator('form[action^="/unsubscribe/"] button[type=submit]').click();
      await page.waitForSelector('.thanks[role=status]');
      const unsubscribed = await violations(page);
      if (unsubscribed.length) found['/unsubscribe/<token> (done)'] = unsubscribed;
      expect(found).toEqual({});
      await page.context().close();
    },
    180_000,
  );

  test.each(['ja', 'en'])(
    'when the main console pages are opened in %s, then axe finds no violations',
    async (lang) => {
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
    },
    300_000,
  );

  test.each(['ja', 'en'])(
    "when a supporter's page in the console is opened in %s, then axe finds no violations",
    async (lang) => {
      const email = `axe-supporter-${lang}-${Date.now()}@welgee.example`;
      await createStaff(app.ctx.db, { email, name: '確認 担当', role: 'admin', password: STAFF_PASSWORD });
      // A supporter with a monthly plan and a paid gift: every part of the page is filled.
      const { supporter } = await joinAndPay(app);
      const page = await openStaffPage(browser, app.url, email, STAFF_PASSWORD, { viewport: { width: 1280, height: 900 } });
      await page.goto(`${app.url}/admin/supporters/${supporter.id}?lang=${lang}`);
      expect(await violations(page)).toEqual([]);
      await page.context().close();
    },
    180_000,
  );
});
