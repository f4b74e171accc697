import { and, eq } from 'drizzle-orm';
import { newsletterLinkClicks, newsletterLinks, supporters } from '../../src/db/schema';
import { parseMail } from '../../src/dev/mail-sink';
import { startSending } from '../../src/features/newsletters';
import { signedLinkId } from '../../src/features/newsletters/click-links';
import { unsubscribeToken, unsubscribeUrl } from '../../src/features/newsletters/unsubscribe-token';
import { startTestApp, type TestApp } from '../helpers/app';
import { unescapeHtml, Visitor } from '../helpers/http';
import { createNewsletter, insertSupporters, setMessagesPerSecond, waitForStatus, type TestSupporter } from '../helpers/newsletters';
import { signInAs } from '../helpers/staff';

// A real send over SMTP with the worker running: the recipient list the issue page polls changes while
// the send runs, and the links of the body arrive as first-party click links that count and redirect.

interface Progress {
  status: string;
  deliveries: { page: number; pages: number; counts: number[]; rows: { id: number; status: string; statusLabel: string; sentAt: string }[] };
}

describe('newsletter live recipients and link clicks', () => {
  let app: TestApp;
  let staff: Visitor;
  let readers: TestSupporter[];
  let id: string;
  const snapshots: Progress[] = [];

  const progress = async (query = ''): Promise<Progress> => {
    const res = await fetch(`${app.url}/admin/newsletters/${id}/progress${query}`, { headers: { cookie: staff.cookieHeader('/admin'), accept: 'application/json' } });
    expect(res.status).toBe(200);
    return (await res.json()) as Progress;
  };
  const mailOf = (email: string) => app.mail.messages.find((m) => m.envelopeTo.includes(email))!;
  const click = (path: string, method = 'GET') => fetch(`${app.url}${path}`, { method, redirect: 'manual' });

  beforeAll(async () => {
    app = await startTestApp();
    ({ visitor: staff } = await signInAs(app, 'staff'));
    // Slow enough that the send takes seconds: the list is seen half done.
    await setMessagesPerSecond(app.ctx, 2);
    readers = await insertSupporters(app.ctx.db, { count: 6, tag: `clicks-${Date.now()}` });
    const tag = (await app.ctx.db.execute(`SELECT tag FROM supporter_tags WHERE supporter_id = '${readers[0]!.id}'`)) as unknown as { rows: { tag: string }[] };
    id = await createNewsletter(app.ctx.db, {
      tag: tag.rows[0]!.tag,
      bodyJa: [
        '今月の[活動報告](https://welgee.jp/report?year=2026&month=5)をご覧ください。',
        '詳しくは https://example.org/story にも。',
        `ご登録の内容は[マイページ](${app.config.publicUrl}/me)で。`,
        '[メールで問い合わせ](mailto:family@welgee.example)',
      ].join('\n\n'),
    });
    await app.ctx.db.transaction((tx) => startSending(tx, id, null));
    // Poll as the issue page does while the send runs.
    for (;;) {
      const p = await progress();
      snapshots.push(p);
      if (p.status !== 'sending') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await waitForStatus(app.ctx.db, id, 'sent');
  }, 60_000);
  afterAll(() => app.stop());

  test('when the page polls during a real send, then each recipient changes from queued to sent before the send ends', async () => {
    const during = snapshots.filter((s) => s.status === 'sending');
    const statuses = (s: Progress) => s.deliveries.rows.map((r) => r.status);
    // Half way: some already sent while others still wait, in the JSON the page redraws its list from.
    expect(during.some((s) => statuses(s).includes('sent') && statuses(s).some((x) => x === 'queued' || x === 'sending'))).toBe(true);
    const half = during.find((s) => statuses(s).includes('sent'))!;
    const sentRow = half.deliveries.rows.find((r) => r.status === 'sent')!;
    expect(sentRow).toMatchObject({ statusLabel: '送信済み' });
    expect(sentRow.sentAt).not.toBe('');
    expect(half.deliveries.counts[0]).toBe(6);
    const after = await progress();
    expect(after.status).toBe('sent');
    expect(after.deliveries.rows.map((r) => r.status)).toEqual(Array(6).fill('sent'));
    // The filter and page of the list are those of the page asking.
    const filtered = await progress('?status=failed&page=1');
    expect(filtered.deliveries.rows).toEqual([]);
  });

  test('when the issue arrives over SMTP, then its body links in both parts are click links, and the unsubscribe, My page and mailto links are not', async () => {
    const reader = readers[0]!;
    const mail = await parseMail(mailOf(reader.email).raw);
    const html = unescapeHtml(mail.html || '');
    const text = mail.text ?? '';
    const links = await app.ctx.db.select().from(newsletterLinks).where(eq(newsletterLinks.newsletterId, id));
    expect(links.map((l) => l.url).sort()).toEqual(['https://example.org/story', 'https://welgee.jp/report?year=2026&month=5']);
    const token = unsubscribeToken(app.ctx.sessionSecret, reader.id);
    for (const link of links) {
      const url = `${app.config.publicUrl}/r/${signedLinkId(app.ctx.sessionSecret, link.id)}/${token}`;
      expect(html).toContain(`href="${url}"`);
      expect(text).toContain(url);
    }
    expect(html).not.toContain('href="https://welgee.jp/report');
    expect(text).not.toContain('https://welgee.jp/report');
    expect(html).toContain(`href="${app.config.publicUrl}/me"`);
    expect(html).toContain('href="mailto:family@welgee.example"');
    expect(text).toContain(unsubscribeUrl(app.config.publicUrl, app.ctx.sessionSecret, reader.id));
    expect(mail.headers.find((h) => h.key === 'list-unsubscribe')?.value).toBe(`<${unsubscribeUrl(app.config.publicUrl, app.ctx.sessionSecret, reader.id)}>`);
    // No tracking pixel: the only images are none.
    expect(html).not.toMatch(/<img/i);
  });

  test('when readers click, then each click redirects to the original address, unique and total clicks are counted, and nothing about the click is kept', async () => {
    const [link] = await app.ctx.db
      .select()
      .from(newsletterLinks)
      .where(and(eq(newsletterLinks.newsletterId, id), eq(newsletterLinks.url, 'https://welgee.jp/report?year=2026&month=5')));
    const path = (reader: TestSupporter) => `/r/${signedLinkId(app.ctx.sessionSecret, link!.id)}/${unsubscribeToken(app.ctx.sessionSecret, reader.id)}`;
    for (const reader of [readers[0]!, readers[0]!, readers[1]!]) {
      const res = await click(path(reader));
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('https://welgee.jp/report?year=2026&month=5');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    // A mail scanner's HEAD is answered but not counted; a query string cannot change where it goes.
    expect((await click(path(readers[2]!), 'HEAD')).status).toBe(302);
    const redirected = await click(`${path(readers[2]!)}?url=https://evil.example/&next=//evil.example`);
    expect(redirected.headers.get('location')).toBe('https://welgee.jp/report?year=2026&month=5');

    const rows = await app.ctx.db.select().from(newsletterLinkClicks).where(eq(newsletterLinkClicks.linkId, link!.id));
    expect(rows.map((r) => [r.supporterId, r.clicks]).sort()).toEqual(
      [
        [readers[0]!.id, 2],
        [readers[1]!.id, 1],
        [readers[2]!.id, 1],
      ].sort(),
    );
    expect(Object.keys(rows[0]!).sort()).toEqual(['clicks', 'firstClickedAt', 'lastClickedAt', 'linkId', 'supporterId']);

    // The privacy notice says so.
    expect(await (await fetch(`${app.url}/privacy`)).text()).toContain('本文のリンクがクリックされたかどうかと回数');

    // The console shows each link with its unique clickers and total clicks.
    const page = unescapeHtml((await staff.get(`/admin/newsletters/${id}`)).html);
    expect(page).toContain('リンクのクリック');
    const line = (url: string) => new RegExp(`<tr data-link="${url.replace(/[?.]/g, '\\$&')}">[\\s\\S]*?data-unique="(\\d+)"[\\s\\S]*?data-total="(\\d+)"`).exec(page);
    expect(line('https://welgee.jp/report?year=2026&month=5')?.slice(1)).toEqual(['3', '4']);
    expect(line('https://example.org/story')?.slice(1)).toEqual(['0', '0']);
  });

  test('when a click link is forged, made for another issue or for someone who was not sent it, then it answers 404 and counts nothing', async () => {
    const [link] = await app.ctx.db.select().from(newsletterLinks).where(eq(newsletterLinks.newsletterId, id));
    const secret = app.ctx.sessionSecret;
    const reader = unsubscribeToken(secret, readers[0]!.id);
    const signed = signedLinkId(secret, link!.id);
    const [outsider] = await app.ctx.db
      .insert(supporters)
      .values({ email: `outsider-${Date.now()}@example.jp`, emailNormalized: `outsider-${Date.now()}@example.jp`, familyName: '外', givenName: '部', newsletter: true })
      .returning({ id: supporters.id });
    // Another issue sent to someone else: its links are foreign to this issue's readers.
    const otherIssue = await createNewsletter(app.ctx.db, { tag: 'nobody-here', bodyJa: '[別の号](https://welgee.jp/other)' });
    const [foreign] = await app.ctx.db.insert(newsletterLinks).values({ newsletterId: otherIssue, url: 'https://welgee.jp/other' }).returning();
    const before = (await app.ctx.db.select().from(newsletterLinkClicks)).length;

    const forgedSignature = `${link!.id}.${signed.split('.')[1]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`;
    const cases = [
      `/r/${forgedSignature}/${reader}`,
      `/r/${link!.id}/${reader}`,
      `/r/${signed}/${readers[0]!.id}.${'x'.repeat(32)}`,
      `/r/${signed}/${unsubscribeToken(secret, outsider!.id)}`,
      `/r/${signedLinkId(secret, foreign!.id)}/${reader}`,
      `/r/${signedLinkId(secret, 987654321)}/${reader}`,
      `/r/https%3A%2F%2Fevil.example/${reader}`,
      `/r/${signed}`,
    ];
    for (const path of cases) {
      const res = await click(path);
      expect({ path, status: res.status, location: res.headers.get('location') }).toEqual({ path, status: 404, location: null });
    }
    expect((await app.ctx.db.select().from(newsletterLinkClicks)).length).toBe(before);
  });
});
