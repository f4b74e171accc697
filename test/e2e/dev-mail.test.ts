import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../config';
import { createContext, type AppContext } from '../../src/context';
import { startWeb } from '../../src/server';
import { eventually } from '../helpers/app';
import { launchBrowser, screenshot } from '../helpers/browser';
import { acquireRedis, createTestDatabase, tempDir, uniqueName } from '../helpers/services';

const SUBJECT = '【WELgeeファミリー】ご寄付の領収書（2026年12月2日 ¥5,000）をお送りします。いつもありがとうございます';
const PDF = Buffer.from('%PDF-1.4\n% a receipt\n%%EOF\n');
const shotsDir = process.env.SHOTS_DIR;

describe('/dev/mail shows what was sent as a person reads it', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let redis: Awaited<ReturnType<typeof acquireRedis>>;
  let ctx: AppContext;
  let web: Awaited<ReturnType<typeof startWeb>>;
  let browser: Browser;
  let id: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await acquireRedis();
    ctx = await createContext(
      loadConfig({ NODE_ENV: 'development', DATA_DIR: tempDir(), DATABASE_URL: database.url, REDIS_URL: redis.url, QUEUE_PREFIX: uniqueName('q'), LOG_LEVEL: 'silent' }),
    );
    web = await startWeb(ctx, 0);
    browser = await launchBrowser();
    // A long email (taller than any fixed frame) with an encoded Japanese subject and a PDF attached.
    const paragraphs = Array.from({ length: 60 }, (_, i) => `<p style="margin:0 0 24px">段落 ${i + 1}：ご支援ありがとうございます。</p>`).join('');
    const transport = nodemailer.createTransport({ url: ctx.mailSink!.sink.url } as never);
    await transport.sendMail({
      from: '特定非営利活動法人WELgee <family@welgee.example>',
      to: '山田 花子 <hanako@example.jp>',
      subject: SUBJECT,
      text: 'ご支援ありがとうございます。',
      html: `<html><body>${paragraphs}<p id="last">最後の段落</p></body></html>`,
      attachments: [{ filename: '領収書-2026-000001.pdf', content: PDF, contentType: 'application/pdf' }],
    });
    transport.close();
    const list = await eventually(async () => {
      const html = await (await fetch(`${web.url}/dev/mail`)).text();
      return html.includes('/attachments/0') ? html : undefined;
    });
    id = /href="\/dev\/mail\/([^"/]+)"/.exec(list)![1]!;
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await ctx?.close();
    await redis?.release();
    await database?.drop();
  });

  test('when an email has an encoded subject and an attachment, then the list and the message show the subject decoded and link the attachment for download', async () => {
    const list = await (await fetch(`${web.url}/dev/mail`)).text();
    expect(list).toContain(SUBJECT);
    expect(list).toContain(`/dev/mail/${id}/attachments/0`);
    expect(list).toContain('領収書-2026-000001.pdf');
    const show = await (await fetch(`${web.url}/dev/mail/${id}`)).text();
    expect(show).not.toContain('=?UTF-8?');
    expect(show).toMatch(/<dt>Subject<\/dt><dd>【WELgeeファミリー】/);
    expect(show).toContain('特定非営利活動法人WELgee');
    expect(show).toContain('(application/pdf, 27 B)');

    const download = await fetch(`${web.url}/dev/mail/${id}/attachments/0`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;.*filename\*=UTF-8''%E9%A0%98%E5%8F%8E%E6%9B%B8-2026-000001\.pdf/);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(PDF);
    for (const bad of ['1', '-1', 'x', '0.5', '99999999999999999999']) expect((await fetch(`${web.url}/dev/mail/${id}/attachments/${bad}`)).status).toBe(404);
    expect((await fetch(`${web.url}/dev/mail/nope/attachments/0`)).status).toBe(404);
  });

  test.each([
    ['phone', 390],
    ['desktop', 1280],
  ])('when a long email is opened on a %s, then the preview frame grows to the whole email (nothing cut off)', async (name, width) => {
    const page = await (await browser.newContext({ viewport: { width, height: 900 } })).newPage();
    await page.goto(`${web.url}/dev/mail/${id}`);
    const frame = page.locator('iframe.mail-frame');
    await eventually(async () => {
      const sizes = await frame.evaluate((el: HTMLIFrameElement) => ({ frame: el.clientHeight, content: el.contentDocument?.documentElement.scrollHeight ?? 0 }));
      return sizes.content > 1500 && sizes.frame >= sizes.content;
    });
    // …and stays there (it does not keep growing past the email).
    await page.waitForTimeout(500);
    const settled = await frame.evaluate((el: HTMLIFrameElement) => ({ frame: el.clientHeight, body: el.contentDocument!.body.getBoundingClientRect().bottom }));
    expect(settled.frame).toBeLessThan(settled.body + 40);
    const last = await page.frameLocator('iframe.mail-frame').locator('#last').boundingBox();
    const box = await frame.boundingBox();
    expect(last!.y + last!.height).toBeLessThanOrEqual(box!.y + box!.height);
    await screenshot(page, `dev-mail-show-${name}`);
    if (shotsDir) {
      fs.mkdirSync(shotsDir, { recursive: true });
      await page.screenshot({ path: path.join(shotsDir, `dev-mail-show-${width}.png`), fullPage: true });
      await page.goto(`${web.url}/dev/mail`);
      await page.screenshot({ path: path.join(shotsDir, `dev-mail-list-${width}.png`), fullPage: true });
    }
    await page.context().close();
  });
});
