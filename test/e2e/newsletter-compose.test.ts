import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { parseMail } from '../../src/dev/mail-sink';
import { newsletterDeliveries, supporters } from '../../src/db/schema';
import { createStaff } from '../../src/features/staff';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, screenshot, viewports, openStaffPage, horizontalOverflow } from '../helpers/browser';
import { STAFF_PASSWORD } from '../helpers/staff';

const RECIPIENTS = 24;

describe('writing and sending 「WELgeeファミリー通信」 in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  const email = `newsletter-staff-${Date.now()}@welgee.example`;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    await createStaff(app.ctx.db, { email, name: '広報 担当', role: 'staff', password: STAFF_PASSWORD });
    const people = Array.from({ length: RECIPIENTS + 2 }, (_, i) => {
      const address = `family-${i}-${Date.now()}@example.jp`;
      // Every fourth reads English; the last two have not agreed to receive the newsletter.
      return {
        email: address,
        emailNormalized: address,
        familyName: i % 4 === 0 ? 'Tran' : '山本',
        givenName: i % 4 === 0 ? `Mai ${i}` : `陽子${i}`,
        locale: i % 4 === 0 ? ('en' as const) : ('ja' as const),
        status: 'monthly' as const,
        newsletter: i < RECIPIENTS,
      };
    });
    await app.ctx.db.insert(supporters).values(people);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const signIn = (width: keyof typeof viewports) => openStaffPage(browser, app.url, email, STAFF_PASSWORD, { viewport: viewports[width] });

  /**
   * A full-page screenshot with the email preview painted: a full-page capture leaves a sandboxed
   * (out-of-process) frame blank unless it is in view, so the page is scrolled to it first.
   */
  async function shoot(page: Page, name: string) {
    const preview = page.locator('#nl-preview-frame');
    if (await preview.count()) {
      await preview.scrollIntoViewIfNeeded();
      await page.waitForTimeout(200);
    }
    await screenshot(page, name);
  }

  const frame = (page: Page) => page.frameLocator('#nl-preview-frame');

  /** Opens a received message's HTML as a mail client would show it; its footer link is the header's. */
  async function readAsReceived(mail: Awaited<ReturnType<typeof parseMail>>, lang: 'ja' | 'en', width: keyof typeof viewports) {
    const page = await browser.newPage({ viewport: viewports[width] });
    await page.setContent(mail.html ?? '', { waitUntil: 'load' });
    await page.getByRole('heading', { name: lang === 'ja' ? '今月のできごと' : 'This month' }).waitFor();
    const listUnsubscribe = mail.headers.find((h) => h.key === 'list-unsubscribe')!.value;
    const footerLink = await page.locator('a[href*="/unsubscribe/"]').getAttribute('href');
    expect(`<${footerLink}>`).toBe(listUnsubscribe);
    expect(mail.text).toContain(footerLink);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, `newsletter-received-${lang}-${width}`);
    await page.close();
  }

  test('when staff write a bilingual issue, preview it in both languages, test it and send it, then the progress bar reaches 100 % and every supporter who agreed gets it', async () => {
    const page = await signIn('desktop');
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });

    await page.getByRole('link', { name: 'ファミリー通信' }).click();
    await page.waitForURL(/\/admin\/newsletters$/);
    await page.getByText('まだ号がありません').waitFor();
    await shoot(page, 'newsletter-list-empty-desktop');
    await page.getByRole('link', { name: '最初の号を書く' }).click();
    await page.waitForURL(/\/admin\/newsletters\/new$/);
    const history = await page.evaluate(() => window.history.length);

    await page.locator('#subject_ja').fill('WELgeeファミリー通信 6月号');
    await page
      .locator('#body_ja')
      .fill(
        '## 今月のできごと\n\n新しい仲間が**3人**、都内の企業で働き始めました。\n\n- 就労伴走プログラムの修了式\n- 企業向け勉強会\n\n[活動報告を読む](https://welgee.jp/)\n\n<script>alert("x")</script>',
      );
    // The preview follows the typing (debounced) without saving anything.
    await frame(page).getByRole('heading', { name: '今月のできごと' }).waitFor();
    await frame(page).getByText('新しい仲間が').waitFor();
    expect(await frame(page).locator('script').count()).toBe(0);
    await page.locator('#subject_en').fill('WELgee Family News, June');
    await page.locator('#body_en').fill('## This month\n\nThree new colleagues **started work** in Tokyo.\n\n[Read the report](https://welgee.jp/en/)');
    await page.locator('[data-preview-lang="en"]').click();
    await frame(page).getByRole('heading', { name: 'This month' }).waitFor();
    await page.locator('#issue_month').fill('2026-06');
    await page.getByLabel('毎月の支援者').check();
    await page.locator('#nl-audience-count').getByText(`現在の対象: ${RECIPIENTS}人`).waitFor();
    await shoot(page, 'newsletter-compose-en-phone-width-desktop');
    await page.getByLabel('パソコン（640px）').check();
    await page.locator('[data-preview-lang="ja"]').click();
    await frame(page).getByRole('heading', { name: '今月のできごと' }).waitFor();
    expect(await page.locator('#nl-preview-frame').evaluate((f) => f.getBoundingClientRect().width)).toBe(640);
    await shoot(page, 'newsletter-compose-ja-desktop');

    // Many previews while typing, and not one of them became a step of the Back button.
    expect(await page.evaluate(() => window.history.length)).toBe(history);
    await page.getByRole('button', { name: '下書きとして保存する' }).click();
    await page.waitForURL(/\/admin\/newsletters\/[0-9a-f-]{36}\?created=1$/);
    const issueUrl = page.url().replace(/\?.*$/, '');
    await page.getByText('下書きを保存しました').waitFor();
    await frame(page).getByRole('heading', { name: '今月のできごと' }).waitFor();
    await page.locator('a[data-preview-lang="en"]').click();
    await frame(page).getByRole('heading', { name: 'This month' }).waitFor();
    expect(await page.locator('[data-audience-count]').innerText()).toBe(`${RECIPIENTS}人`);

    await page.getByRole('button', { name: 'テスト送信する' }).click();
    await page.waitForURL(/\?tested=ja,en$/);
    await page.getByText(`テストメールを ${email} に送りました`).waitFor();
    const tests = await eventually(async () => {
      const mine = app.mail.messages.filter((m) => m.envelopeTo.includes(email));
      return mine.length >= 2 ? Promise.all(mine.map((m) => parseMail(m.raw))) : undefined;
    });
    expect(tests.map((m) => m.subject).sort()).toEqual(['[Test] WELgee Family News, June', '[テスト送信] WELgeeファミリー通信 6月号']);
    await shoot(page, 'newsletter-issue-draft-desktop');

    await page.getByRole('link', { name: '送信の確認へ進む' }).click();
    await page.waitForURL(/\/send$/);
    expect(await page.locator('[data-confirm-count]').innerText()).toBe(`${RECIPIENTS}人`);
    await page.getByText('送信は取り消せません').waitFor();
    await shoot(page, 'newsletter-confirm-desktop');
    await page.getByLabel(`内容を確認しました。${RECIPIENTS}人に送信します。`).check();
    await page.getByRole('button', { name: `${RECIPIENTS}人に送信する` }).click();
    await page.waitForURL(/\?started=1$/);

    // The bar moves by itself (a poll every second), then the page shows the finished send.
    await page.locator('[data-figure="percent"]').getByText('100%').waitFor({ timeout: 30_000 });
    await page.locator('#nl-status').getByText('送信済み').waitFor({ timeout: 15_000 });
    expect(await page.locator('#nl-progress-bar').evaluate((p) => (p as HTMLProgressElement).value)).toBe(100);
    expect(await page.locator('[data-figure="sent"]').innerText()).toBe(String(RECIPIENTS));
    await frame(page).getByRole('heading', { name: '今月のできごと' }).waitFor();
    await shoot(page, 'newsletter-sent-desktop');

    const id = issueUrl.split('/').pop()!;
    const rows = await app.ctx.db.select().from(newsletterDeliveries).where(eq(newsletterDeliveries.newsletterId, id));
    expect(rows).toHaveLength(RECIPIENTS);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const english = await eventually(async () => {
      const to = rows.find((r) => r.locale === 'en')!.email;
      const found = app.mail.messages.find((m) => m.envelopeTo.includes(to));
      return found ? parseMail(found.raw) : undefined;
    });
    expect(english.subject).toBe('WELgee Family News, June');
    expect(english.html).not.toMatch(/<script/i);
    const japanese = await eventually(async () => {
      const to = rows.find((r) => r.locale === 'ja')!.email;
      const found = app.mail.messages.find((m) => m.envelopeTo.includes(to));
      return found ? parseMail(found.raw) : undefined;
    });
    await readAsReceived(japanese, 'ja', 'phone');
    await readAsReceived(english, 'en', 'desktop');
    await page.goto(`${app.url}/admin/newsletters`);
    await shoot(page, 'newsletter-list-desktop');
    await page.goto(`${issueUrl}?lang=en`);
    expect(await page.locator('#nl-status').innerText()).toBe('Sent');
    await frame(page).getByRole('heading', { name: '今月のできごと' }).waitFor();
    await shoot(page, 'newsletter-sent-en-desktop');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  test('when staff open the console on a phone, then the list, the issue and the compose form fit the screen', async () => {
    const page = await signIn('phone');
    await page.goto(`${app.url}/admin/newsletters`);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await shoot(page, 'newsletter-list-phone');
    await page.locator('.nl-subject').first().click();
    await page.locator('#nl-progress').waitFor();
    await frame(page).getByRole('heading', { name: '今月のできごと' }).waitFor();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await shoot(page, 'newsletter-sent-phone');
    await page.goto(`${app.url}/admin/newsletters/new`);
    await page.locator('#subject_ja').fill('スマートフォンから');
    await page.locator('#body_ja').fill('短いお知らせです。');
    await frame(page).getByText('短いお知らせです。').waitFor();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await shoot(page, 'newsletter-compose-phone');
    await page.getByRole('button', { name: '下書きとして保存する' }).click();
    await page.waitForURL(/\?created=1$/);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await shoot(page, 'newsletter-issue-draft-phone');
    await page.context().close();
  });
});
