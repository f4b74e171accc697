import crypto from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { newsletters } from '../../src/db/schema';
import { startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, screenshot, viewports, horizontalOverflow } from '../helpers/browser';
import { unescapeHtml, Visitor } from '../helpers/http';

const APRIL_BODY_JA = `皆さま、いつもWELgeeファミリーへのご支援をありがとうございます。

## 今月のできごと

- 3名の仲間が、新しい職場で働き始めました
- 企業向けの説明会を開きました([報告はこちら](https://example.org/report))

> 「日本で働けることが、いまの希望です。」

来月もよろしくお願いいたします。
<script>alert(1)</script>`;

const APRIL_BODY_EN = `Thank you for being part of the WELgee Family.

## This month

- Three people started at their new workplaces
- We held an information session for companies`;

describe('the public newsletter archive (/family/news)', () => {
  let app: TestApp;
  let browser: Browser;
  const ids: Record<string, string> = {};

  async function addIssue(name: string, values: Partial<typeof newsletters.$inferInsert>) {
    const [row] = await app.ctx.db
      .insert(newsletters)
      .values({ subjectJa: `${name}の号`, bodyJa: `${name}の本文です。`, ...values })
      .returning();
    ids[name] = row!.id;
    return row!;
  }

  async function open(page: Page, path: string) {
    const res = await page.goto(`${app.url}${path}`);
    expect(res?.status()).toBe(200);
    // Nothing overflows the viewport sideways.
    const overflow = await horizontalOverflow(page);
    expect(overflow).toBeLessThanOrEqual(0);
  }

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test('when nothing has been sent yet, then the archive says so and points to joining', async () => {
    const { res, html } = await Visitor.of(app).get('/family/news');
    expect(res.status).toBe(200);
    expect(unescapeHtml(html)).toContain('公開されている号はまだありません。');
    expect(html).toContain('href="/family"');
    const family = await Visitor.of(app).get('/family');
    expect(family.html).toContain('<a href="/family/news">これまでの通信</a>');

    const context = await browser.newContext({ viewport: viewports.phone });
    const page = await context.newPage();
    await open(page, '/family/news');
    await screenshot(page, 'news-empty-ja-phone');
    await context.close();
  });

  test('when two issues were sent, then the list shows them newest first in the visitor’s language, and drafts, unsent and hidden issues stay out', async () => {
    await addIssue('april', {
      issueMonth: '2026-04',
      status: 'sent',
      subjectJa: '4月号: 3名が新しい職場で働き始めました',
      subjectEn: 'April: three people started new jobs',
      bodyJa: APRIL_BODY_JA,
      bodyEn: APRIL_BODY_EN,
      startedAt: new Date('2026-04-15T01:00:00Z'),
      finishedAt: new Date('2026-04-15T01:20:00Z'),
    });
    // 16:00 UTC on 14 May is 01:00 on 15 May in Tokyo: the page shows the 15th.
    await addIssue('may', {
      issueMonth: '2026-05',
      status: 'sent',
      subjectJa: '5月号: 企業説明会のご報告',
      bodyJa: '説明会には**12社**が参加しました。',
      startedAt: new Date('2026-05-14T16:00:00Z'),
    });
    await addIssue('hidden', { status: 'sent', subjectJa: '非公開の号', hiddenFromArchive: true, startedAt: new Date('2026-05-20T01:00:00Z') });
    await addIssue('draft', { status: 'draft', subjectJa: '下書きの号' });
    await addIssue('scheduled', { issueMonth: '2026-06', status: 'scheduled', subjectJa: '予約中の号', scheduledAt: new Date('2026-06-15T01:00:00Z') });
    await addIssue('sending', { status: 'sending', subjectJa: '送信中の号', startedAt: new Date('2026-05-21T01:00:00Z') });
    await addIssue('paused', { status: 'paused', subjectJa: '一時停止中の号', startedAt: new Date('2026-05-22T01:00:00Z') });

    const ja = unescapeHtml((await Visitor.of(app).get('/family/news')).html);
    const may = ja.indexOf('5月号: 企業説明会のご報告');
    const april = ja.indexOf('4月号: 3名が新しい職場で働き始めました');
    expect(may).toBeGreaterThan(0);
    expect(april).toBeGreaterThan(may);
    expect(ja).toContain('2026年5月15日');
    expect(ja).toContain('2026年5月号');
    expect(ja).toContain('説明会には12社が参加しました。');
    for (const hidden of ['非公開の号', '下書きの号', '予約中の号', '送信中の号', '一時停止中の号']) expect(ja).not.toContain(hidden);
    expect(ja).not.toContain('news-pager');

    const en = unescapeHtml((await Visitor.of(app).get('/family/news?lang=en')).html);
    expect(en).toContain('April: three people started new jobs');
    expect(en).toContain('April 2026 issue');
    expect(en).toContain('15 May 2026');
    // The May issue has no English: its Japanese is shown, marked as such.
    expect(en).toContain('<h2 class="news-item__title" lang="ja"><a href="/family/news/' + ids.may + '">5月号: 企業説明会のご報告</a></h2>');
    expect(en.match(/This issue is in Japanese only\./g)).toHaveLength(1);

    for (const [device, viewport] of [
      ['phone', viewports.phone],
      ['desktop', viewports.desktop],
    ] as const) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await open(page, '/family/news');
      expect(await page.locator('h1').innerText()).toBe('これまでの通信');
      expect(await page.locator('.news-item').count()).toBe(2);
      await screenshot(page, `news-list-ja-${device}`);
      await page.getByRole('link', { name: '4月号: 3名が新しい職場で働き始めました' }).click();
      await page.waitForURL(`${app.url}/family/news/${ids.april}`);
      expect(await page.locator('h1').innerText()).toBe('4月号: 3名が新しい職場で働き始めました');
      await screenshot(page, `news-issue-ja-${device}`);
      if (device === 'phone') {
        await open(page, '/family/news?lang=en');
        await screenshot(page, 'news-list-en-phone');
      }
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  test('when an issue is opened, then its Markdown is rendered safely with the date in Japan, in English when it has English', async () => {
    const { res, html } = await Visitor.of(app).get(`/family/news/${ids.april}?lang=ja`);
    expect(res.status).toBe(200);
    expect(html).toContain('<title>4月号: 3名が新しい職場で働き始めました | ');
    expect(html).toContain('<h2>今月のできごと</h2>');
    expect(html).toContain('<li>3名の仲間が、新しい職場で働き始めました</li>');
    expect(html).toMatch(/<a href="https:\/\/example\.org\/report" rel="noopener" target="_blank">報告はこちら<\/a>/);
    expect(html).toContain('<blockquote>');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<time datetime="2026-04-15">2026年4月15日</time>');

    const en = await Visitor.of(app).get(`/family/news/${ids.april}?lang=en`);
    expect(en.html).toContain('<h2>This month</h2>');
    expect(en.html).not.toContain('今月のできごと');
    expect(en.html).not.toContain('This issue is in Japanese only.');

    const mayEn = await Visitor.of(app).get(`/family/news/${ids.may}?lang=en`);
    expect(mayEn.html).toContain('This issue is in Japanese only.');
    expect(mayEn.html).toContain('<div class="news-body" lang="ja">');
    expect(mayEn.html).toContain('<strong>12社</strong>');
    expect(mayEn.html).toContain('<time datetime="2026-05-15">15 May 2026</time>');
  });

  test('when an issue id is unknown, malformed, hidden or not sent, or the page number is wrong, then 404', async () => {
    const visitor = Visitor.of(app);
    for (const path of [
      `/family/news/${crypto.randomUUID()}`,
      '/family/news/not-a-uuid',
      "/family/news/1'%20OR%201=1",
      `/family/news/${ids.hidden}`,
      `/family/news/${ids.draft}`,
      `/family/news/${ids.scheduled}`,
      `/family/news/${ids.sending}`,
      `/family/news/${ids.paused}`,
      '/family/news?page=2',
      '/family/news?page=0',
      '/family/news?page=abc',
    ]) {
      const { res, html } = await visitor.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(html).toContain('ページが見つかりません');
    }
  });

  test('when more than twenty issues were sent, then the list has pages of twenty, newest first', async () => {
    for (let i = 1; i <= 20; i++) {
      await addIssue(`old${i}`, { status: 'sent', subjectJa: `過去の号 ${String(i).padStart(2, '0')}`, startedAt: new Date(Date.UTC(2024, i, 15, 1)) });
    }
    const first = unescapeHtml((await Visitor.of(app).get('/family/news')).html);
    expect([...first.matchAll(/class="news-item"/g)]).toHaveLength(20);
    expect(first).toContain('1 / 2 ページ');
    expect(first).toContain('href="/family/news?page=2" rel="next"');
    expect(first).not.toContain('rel="prev"');
    const second = await Visitor.of(app).get('/family/news?page=2');
    expect(second.res.status).toBe(200);
    const secondHtml = unescapeHtml(second.html);
    expect([...secondHtml.matchAll(/class="news-item"/g)]).toHaveLength(2);
    // The oldest two of the 22, newest first: the first two made, in 2024.
    expect(secondHtml.indexOf('過去の号 02')).toBeGreaterThan(0);
    expect(secondHtml.indexOf('過去の号 01')).toBeGreaterThan(secondHtml.indexOf('過去の号 02'));
    expect(secondHtml).toContain('href="/family/news" rel="prev"');
    expect((await Visitor.of(app).get('/family/news?page=3')).res.status).toBe(404);
  });
});
