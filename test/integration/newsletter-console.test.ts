import { and, eq } from 'drizzle-orm';
import { parseMail } from '../../src/dev/mail-sink';
import { auditLog, newsletterDeliveries, newsletters, subscriptions, supporters, supporterTags } from '../../src/db/schema';
import { startTestApp, type TestApp } from '../helpers/app';
import { unescapeHtml, Visitor } from '../helpers/http';
import { adminToken, signInAs } from '../helpers/staff';

// The staff console of 「WELgeeファミリー通信」 through HTTP: compose, validate, preview, audience, test
// send, schedule, send, pause, re-send, archive. No worker runs, so a started send stays queued.

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const HOSTILE = [
  '## お知らせ',
  '<script>alert("x")</script>',
  '<img src="https://example.org/x.png" onerror="alert(1)">',
  '[危ないリンク](javascript:alert(1))',
  '<a href="javascript:alert(2)">タグのリンク</a>',
  '[WELgeeのサイト](https://welgee.jp/about)',
  '![写真](https://welgee.jp/photo.jpg)',
].join('\n\n');

/**
 * The active parts of HTML: script elements, event handler attributes, javascript:/data: URLs. Only
 * real tags count (text that merely shows "<script>" is written &lt;script&gt; and has no tag).
 */
function activeContent(html: string): string[] {
  const found: string[] = [];
  for (const tag of html.matchAll(/<([a-zA-Z][\w-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    if (/^(script|iframe|object|embed|form)$/i.test(tag[1]!)) found.push(tag[0]);
    for (const attr of tag[2]!.matchAll(/([^\s"'=/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g)) {
      const name = attr[1]!.toLowerCase();
      const value = (attr[2] ?? '')
        .replace(/^["']|["']$/g, '')
        .trim()
        .toLowerCase();
      if (name.startsWith('on') || /^(javascript|vbscript|data):/.test(value)) found.push(tag[0]);
    }
  }
  return found;
}

describe('newsletter console', () => {
  let app: TestApp;
  let staff: Visitor;
  let staffEmail: string;
  let staffId: string;
  let token: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    ({ visitor: staff, email: staffEmail, id: staffId } = await signInAs(app, 'staff'));
    token = await adminToken(staff);
    const person = (key: string, values: Partial<typeof supporters.$inferInsert>) => {
      const email = `${key}-${Date.now()}@example.jp`;
      return { email, emailNormalized: email, familyName: '支援', givenName: key, newsletter: true, ...values };
    };
    const rows = await app.ctx.db
      .insert(supporters)
      .values([
        person('monthly-ja', { status: 'monthly', locale: 'ja' }),
        person('once-en', { status: 'one_time', locale: 'en', familyName: 'Nguyen', givenName: 'An' }),
        person('lapsed-ja', { status: 'lapsed', locale: 'ja' }),
        person('no-consent', { status: 'monthly', newsletter: false }),
        person('bounced', { status: 'monthly', emailBouncedAt: new Date(), emailBounceReason: '550 no such user' }),
      ])
      .returning();
    for (const r of rows) ids[r.givenName === 'An' ? 'once-en' : r.givenName] = r.id;
    await app.ctx.db
      .insert(subscriptions)
      .values({ supporterId: ids['monthly-ja']!, stripeSubscriptionId: `sub_nl_${Date.now()}`, stripeCustomerId: 'cus_nl', status: 'active', amount: 5000 });
    await app.ctx.db.insert(supporterTags).values([
      { supporterId: ids['lapsed-ja']!, tag: '企業' },
      { supporterId: ids['no-consent']!, tag: '企業' },
    ]);
  });
  afterAll(() => app.stop());

  const draft = (overrides: Record<string, string | undefined> = {}) => ({
    _csrf: token,
    subject_ja: 'WELgeeファミリー通信 5月号',
    body_ja: '## 今月のできごと\n\n新しい仲間が**3人**、働き始めました。',
    subject_en: '',
    body_en: '',
    issue_month: '',
    segment: 'all',
    ...overrides,
  });
  const count = async () => (await app.ctx.db.select().from(newsletters)).length;
  const row = async (id: string) => (await app.ctx.db.select().from(newsletters).where(eq(newsletters.id, id)))[0]!;
  const auditOf = async (action: string, targetId?: string) =>
    app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, action), targetId ? eq(auditLog.targetId, targetId) : undefined));

  async function create(overrides: Record<string, string | undefined> = {}): Promise<string> {
    const { res, location, html } = await staff.post('/admin/newsletters', draft(overrides));
    if (res.status !== 303) throw new Error(`create answered ${res.status}: ${html.slice(0, 300)}`);
    return /\/admin\/newsletters\/([0-9a-f-]{36})\?created=1$/.exec(location!)![1]!;
  }

  test('when there is no issue yet, then the list explains the steps and offers to write the first one', async () => {
    const { res, html } = await staff.get('/admin/newsletters');
    expect(res.status).toBe(200);
    expect(html).toContain('まだ号がありません');
    expect(html).toContain('href="/admin/newsletters/new"');
    expect(html).toContain('<a href="/admin/newsletters">ファミリー通信</a>');
  });

  test('when staff save a bilingual draft, then it is stored as typed, audited, and its page shows audience, preview and actions', async () => {
    const id = await create({ subject_en: 'WELgee Family News, May', body_en: 'Three new colleagues **started work**.', issue_month: '2026-05', segment: 'monthly' });
    const stored = await row(id);
    expect(stored).toMatchObject({ status: 'draft', issueMonth: '2026-05', subjectEn: 'WELgee Family News, May', audience: { segment: 'monthly' }, createdBy: staffId });
    expect(await auditOf('newsletter.create', id)).toHaveLength(1);
    const { res, html } = await staff.get(`/admin/newsletters/${id}?created=1`);
    expect(res.status).toBe(200);
    expect(html).toContain('下書きを保存しました');
    expect(html).toContain(`src="/admin/newsletters/${id}/preview?version=ja"`);
    expect(html).toContain(`action="/admin/newsletters/${id}/test"`);
    expect(html).toContain(`href="/admin/newsletters/${id}/send"`);

    const list = await staff.get('/admin/newsletters');
    expect(list.html).toContain('WELgeeファミリー通信 5月号');
    expect(list.html).toContain('2026-05');
    expect(list.html).toContain('毎月の支援者');

    // One issue per month of the monthly rhythm.
    const before = await count();
    const again = await staff.post('/admin/newsletters', draft({ issue_month: '2026-05' }));
    expect(again.res.status).toBe(422);
    expect(again.html).toContain('この月の号はすでにあります');
    expect(await count()).toBe(before);
  });

  test.each([
    ['an empty subject', { subject_ja: '   ' }, 'subject_ja', '件名を入力してください'],
    ['a subject over 200 characters', { subject_ja: 'あ'.repeat(201) }, 'subject_ja', '200文字以内'],
    ['a line break in the subject', { subject_ja: '件名\n二行目' }, 'subject_ja', '制御文字'],
    ['a control character in the subject', { subject_ja: '件名\u0007' }, 'subject_ja', '制御文字'],
    ['an empty body', { body_ja: '\n \n' }, 'body_ja', '本文を入力してください'],
    ['a body over 50,000 characters', { body_ja: 'a'.repeat(50_001) }, 'body_ja', '50,000文字以内'],
    ['a NUL in the body', { body_ja: '本文\u0000' }, 'body_ja', '制御文字'],
    ['a bidirectional override in the English body', { subject_en: 'News', body_en: 'abc\u202Edef' }, 'body_en', '制御文字'],
    ['an English subject without an English body', { subject_en: 'News' }, 'body_en', '英語の本文も入力'],
    ['a month that is not YYYY-MM', { issue_month: '2026-13' }, 'issue_month', '年と月'],
    ['an unknown audience', { segment: 'everyone' }, 'segment', '送信対象を選んで'],
    ['a plan that does not exist', { segment: 'plan', plan: '3000' }, 'plan', 'プランを選んで'],
    ['a language that does not exist', { segment: 'locale', locale: 'fr' }, 'locale', '言語を選んで'],
    ['an empty tag', { segment: 'tag', tag: ' ' }, 'tag', '送る相手のタグを選んでください'],
  ])('when the draft has %s, then it answers 422 with the message next to the field and stores nothing', async (_name, fields, field, message) => {
    const before = await count();
    const { res, html } = await staff.post('/admin/newsletters', draft(fields));
    expect(res.status).toBe(422);
    const error = new RegExp(`id="${field}-error">([^<]*)<`).exec(html)?.[1];
    expect({ field, error }).toEqual({ field, error: expect.stringContaining(message) });
    expect(html).toContain('field--invalid');
    expect(html).toContain(`href="#${field}"`); // the summary at the top links to the field
    expect(await count()).toBe(before);
  });

  test('when the browser posts the form as multipart, then a 50,000-character Japanese body is kept whole and one more is refused', async () => {
    const post = async (body: string) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(draft({ body_ja: body }))) if (v !== undefined) form.append(k, v);
      const res = await fetch(`${app.url}/admin/newsletters?_csrf=${encodeURIComponent(token)}`, {
        method: 'POST',
        body: form,
        headers: { cookie: staff.cookieHeader('/admin') },
        redirect: 'manual',
      });
      return { res, html: await res.text() };
    };
    const full = `${'あ'.repeat(49_998)}\n`;
    const ok = await post(`${full}い`);
    expect(ok.res.status).toBe(303);
    const id = /([0-9a-f-]{36})/.exec(ok.res.headers.get('location')!)![1]!;
    expect((await row(id)).bodyJa).toBe(`${full}い`);
    const tooLong = await post(`${full}いう`);
    expect(tooLong.res.status).toBe(422);
    expect(tooLong.html).toContain('50,000文字以内');
  });

  test('when Markdown holds script tags, event handlers and javascript: links, then they are stored as typed but the preview and the test email carry none of them, and real links stay', async () => {
    // The detector itself finds what it looks for.
    expect(activeContent('<p><script>x()</script><img src=x onerror="a()"><a href=" JavaScript:b()">c</a></p>')).toHaveLength(3);
    expect(activeContent('<p>&lt;script&gt; href="javascript:x" onerror=</p>')).toEqual([]);

    const id = await create({ subject_ja: 'テスト <b>号</b>', body_ja: HOSTILE, subject_en: 'Test issue', body_en: HOSTILE.replace('お知らせ', 'News') });
    expect((await row(id)).bodyJa).toBe(HOSTILE);

    for (const lang of ['ja', 'en']) {
      const res = await fetch(`${app.url}/admin/newsletters/${id}/preview?version=${lang}`, { headers: { cookie: staff.cookieHeader('/admin') } });
      const html = await res.text();
      expect(res.status).toBe(200);
      expect(activeContent(html)).toEqual([]);
      expect(html).toContain('<a href="https://welgee.jp/about"');
      expect(html).toContain('<img src="https://welgee.jp/photo.jpg"');
      expect(html).toContain('&lt;script&gt;'); // shown as the text that was typed
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain('sandbox');
      expect(csp).toContain("frame-ancestors 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toMatch(/script-src/);
    }

    // The live preview renders what is being typed, before it is saved.
    const live = await staff.post('/admin/newsletters/preview?version=en', draft({ subject_en: 'Typed now', body_en: `${HOSTILE}\n\nTyped **now**` }));
    expect(live.res.status).toBe(200);
    expect(activeContent(live.html)).toEqual([]);
    expect(live.html).toContain('Typed <strong>now</strong>');
    expect(live.html).toContain('<title>Typed now</title>');

    const before = app.mail.messages.length;
    const sent = await staff.post(`/admin/newsletters/${id}/test`, { _csrf: token, lang: 'both' });
    expect(sent.res.status).toBe(303);
    expect(sent.location).toBe(`/admin/newsletters/${id}?tested=ja,en`);
    const mails = await Promise.all((await app.mail.waitFor(before + 2)).slice(before).map((m) => parseMail(m.raw)));
    expect(mails.map((m) => m.subject).sort()).toEqual(['[Test] Test issue', '[テスト送信] テスト <b>号</b>']);
    for (const mail of mails) {
      expect(mail.to?.map((a) => a.address)).toEqual([staffEmail]);
      expect(activeContent(mail.html ?? '')).toEqual([]);
      expect(mail.html).toContain('<a href="https://welgee.jp/about"');
      expect(mail.text).toContain('https://welgee.jp/about');
    }
    const [audit] = await auditOf('newsletter.test_send', id);
    expect(audit).toMatchObject({ staffId, detail: { to: staffEmail, locales: ['ja', 'en'] } });
    const page = await staff.get(sent.location!);
    expect(page.html).toContain(`テストメールを ${staffEmail} に送りました（日本語・English）`);
  });

  test('when an issue has no English version and staff test it in both languages, then one Japanese test arrives', async () => {
    const id = await create();
    const before = app.mail.messages.length;
    const sent = await staff.post(`/admin/newsletters/${id}/test`, { _csrf: token, lang: 'both' });
    expect(sent.location).toBe(`/admin/newsletters/${id}?tested=ja`);
    const [mail] = await Promise.all((await app.mail.waitFor(before + 1, (m) => m.envelopeTo.includes(staffEmail))).slice(-1).map((m) => parseMail(m.raw)));
    expect(mail!.subject).toBe('[テスト送信] WELgeeファミリー通信 5月号');
    expect((await staff.post(`/admin/newsletters/${id}/test`, { _csrf: token, lang: 'fr' })).res.status).toBe(422);
  });

  test('when staff look at the audience, then the count and sample leave out supporters without consent and bounced addresses', async () => {
    const id = await create({ segment: 'all' });
    const { html } = await staff.get(`/admin/newsletters/${id}`);
    const text = unescapeHtml(html);
    const emailOf = async (key: string) => (await app.ctx.db.select().from(supporters).where(eq(supporters.id, ids[key]!)))[0]!.email;
    for (const key of ['monthly-ja', 'once-en', 'lapsed-ja']) expect(text).toContain(await emailOf(key));
    for (const key of ['no-consent', 'bounced']) expect(text).not.toContain(await emailOf(key));
    expect(html).toMatch(/data-audience-count>3人</);

    const counted = async (query: string) => {
      const res = await fetch(`${app.url}/admin/newsletters/audience?${query}`, { headers: { cookie: staff.cookieHeader('/admin') } });
      return { status: res.status, body: (await res.json()) as { count?: number } };
    };
    expect(await counted('segment=all')).toEqual({ status: 200, body: { count: 3 } });
    expect(await counted('segment=monthly')).toEqual({ status: 200, body: { count: 1 } });
    expect(await counted('segment=plan&plan=5000')).toEqual({ status: 200, body: { count: 1 } });
    expect(await counted('segment=plan&plan=1000')).toEqual({ status: 200, body: { count: 0 } });
    expect(await counted('segment=locale&locale=en')).toEqual({ status: 200, body: { count: 1 } });
    expect(await counted(`segment=tag&tag=${encodeURIComponent('企業')}`)).toEqual({ status: 200, body: { count: 1 } });
    expect((await counted('segment=plan&plan=3000')).status).toBe(400);
  });

  test('when staff schedule a send in the past, then it is refused; a future time is kept in Japan time and can be cancelled back to draft', async () => {
    const id = await create();
    const past = await staff.post(`/admin/newsletters/${id}/schedule`, { _csrf: token, send_on: '2020-01-01', send_at: '10:00' });
    expect(past.res.status).toBe(422);
    expect(past.html).toContain('過ぎた日時には予約できません');
    expect((await row(id)).status).toBe('draft');
    expect((await staff.post(`/admin/newsletters/${id}/schedule`, { _csrf: token, send_on: '2099-02-30', send_at: '10:00' })).res.status).toBe(422);
    expect((await staff.post(`/admin/newsletters/${id}/schedule`, { _csrf: token, send_on: '2026-06-01', send_at: '25:00' })).res.status).toBe(422);

    const next = new Date(Date.now() + 30 * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Tokyo' });
    const ok = await staff.post(`/admin/newsletters/${id}/schedule`, { _csrf: token, send_on: next, send_at: '09:30' });
    expect(ok.res.status).toBe(303);
    expect(ok.location).toBe(`/admin/newsletters/${id}?scheduled=1`);
    expect(await row(id)).toMatchObject({ status: 'scheduled', scheduledAt: new Date(`${next}T09:30:00+09:00`) });
    expect(await auditOf('newsletter.schedule', id)).toHaveLength(1);
    const page = await staff.get(ok.location!);
    expect(page.html).toContain('送信を予約しました');
    expect(page.html).toContain('予約を取り消す');

    const cancelled = await staff.post(`/admin/newsletters/${id}/schedule/cancel`, { _csrf: token });
    expect(cancelled.res.status).toBe(303);
    expect(await row(id)).toMatchObject({ status: 'draft', scheduledAt: null });
    expect(await auditOf('newsletter.schedule_cancel', id)).toHaveLength(1);
    expect((await staff.post(`/admin/newsletters/${id}/schedule/cancel`, { _csrf: token })).res.status).toBe(409);
  });

  test('when staff send, then the confirmation states the count and needs the box ticked; the send starts, cannot be edited, pauses and resumes, and reports progress', async () => {
    const id = await create({ segment: 'all' });
    const confirm = await staff.get(`/admin/newsletters/${id}/send`);
    expect(confirm.res.status).toBe(200);
    expect(confirm.html).toContain('data-confirm-count="3"');
    expect(confirm.html).toContain('送信は取り消せません');

    const unticked = await staff.post(`/admin/newsletters/${id}/send`, { _csrf: token, count: '3' });
    expect(unticked.res.status).toBe(422);
    expect(unticked.html).toContain('id="confirm-error"');
    expect((await row(id)).status).toBe('draft');

    const sent = await staff.post(`/admin/newsletters/${id}/send`, { _csrf: token, count: '3', confirm: 'on' });
    expect(sent.res.status).toBe(303);
    expect(sent.location).toBe(`/admin/newsletters/${id}?started=1`);
    expect(await row(id)).toMatchObject({ status: 'sending', sentBy: staffId });
    const deliveries = await app.ctx.db.select().from(newsletterDeliveries).where(eq(newsletterDeliveries.newsletterId, id));
    expect(deliveries.map((d) => d.supporterId).sort()).toEqual([ids['monthly-ja'], ids['once-en'], ids['lapsed-ja']].sort());
    const [audit] = await auditOf('newsletter.send', id);
    expect(audit).toMatchObject({ staffId, detail: { recipients: 3, shownCount: 3 } });

    const progress = await fetch(`${app.url}/admin/newsletters/${id}/progress`, { headers: { cookie: staff.cookieHeader('/admin') } });
    expect(await progress.json()).toMatchObject({ status: 'sending', total: 3, sent: 0, remaining: 3, percent: 0 });
    const page = await staff.get(`/admin/newsletters/${id}`);
    expect(page.html).toContain('<progress id="nl-progress-bar"');
    expect(page.html).toContain('data-poll="1"');

    expect((await staff.get(`/admin/newsletters/${id}/edit`)).res.status).toBe(409);
    const edit = await staff.post(`/admin/newsletters/${id}`, draft({ subject_ja: '送信後の変更' }));
    expect(edit.res.status).toBe(409);
    expect((await row(id)).subjectJa).toBe('WELgeeファミリー通信 5月号');
    expect((await staff.post(`/admin/newsletters/${id}/send`, { _csrf: token, confirm: 'on' })).res.status).toBe(409);

    expect((await staff.post(`/admin/newsletters/${id}/pause`, { _csrf: token })).location).toBe(`/admin/newsletters/${id}?paused=1`);
    expect((await row(id)).status).toBe('paused');
    expect((await staff.post(`/admin/newsletters/${id}/pause`, { _csrf: token })).res.status).toBe(409);
    expect((await staff.post(`/admin/newsletters/${id}/resume`, { _csrf: token })).location).toBe(`/admin/newsletters/${id}?resumed=1`);
    expect((await row(id)).status).toBe('sending');
    expect(await auditOf('newsletter.pause', id)).toHaveLength(1);
    expect(await auditOf('newsletter.resume', id)).toHaveLength(1);
  });

  test('when a sent issue had failures, then the list shows each reason, only the failed are queued again, and the issue can be hidden from the archive', async () => {
    const id = await create({ segment: 'all' });
    await staff.post(`/admin/newsletters/${id}/send`, { _csrf: token, confirm: 'on' });
    // What the sending worker leaves behind: one sent, one failed, one skipped.
    const db = app.ctx.db;
    const set = (key: string, values: Partial<typeof newsletterDeliveries.$inferInsert>) =>
      db
        .update(newsletterDeliveries)
        .set(values)
        .where(and(eq(newsletterDeliveries.newsletterId, id), eq(newsletterDeliveries.supporterId, ids[key]!)));
    await set('monthly-ja', { status: 'sent', sentAt: new Date() });
    await set('once-en', { status: 'failed', reason: '550 5.1.1 mailbox unavailable', attempts: 1 });
    await set('lapsed-ja', { status: 'skipped', reason: 'unsubscribed' });
    await db.update(newsletters).set({ status: 'sent', finishedAt: new Date() }).where(eq(newsletters.id, id));

    const progress = await (await fetch(`${app.url}/admin/newsletters/${id}/progress`, { headers: { cookie: staff.cookieHeader('/admin') } })).json();
    expect(progress).toMatchObject({ status: 'sent', sent: 1, failed: 1, skipped: 1, remaining: 0, percent: 100 });
    const failed = await staff.get(`/admin/newsletters/${id}?status=failed`);
    expect(failed.html).toContain('550 5.1.1 mailbox unavailable');
    expect(failed.html.match(/data-delivery-status="/g)).toHaveLength(1);
    expect((await staff.get(`/admin/newsletters/${id}?status=skipped`)).html).toContain('配信停止済み');
    expect((await staff.get(`/admin/newsletters/${id}?status=bogus&page=x`)).res.status).toBe(200);

    expect((await staff.post(`/admin/newsletters/${id}/archive`, { _csrf: token, hidden: '1' })).location).toBe(`/admin/newsletters/${id}?hidden=1`);
    expect((await row(id)).hiddenFromArchive).toBe(true);
    expect((await staff.get(`/admin/newsletters/${id}?hidden=1`)).html).toContain('アーカイブに表示する');
    expect((await staff.post(`/admin/newsletters/${id}/archive`, { _csrf: token, hidden: '0' })).res.status).toBe(303);
    expect((await row(id)).hiddenFromArchive).toBe(false);
    expect(await auditOf('newsletter.archive_hide', id)).toHaveLength(1);
    expect(await auditOf('newsletter.archive_show', id)).toHaveLength(1);

    const resent = await staff.post(`/admin/newsletters/${id}/resend-failed`, { _csrf: token });
    expect(resent.location).toBe(`/admin/newsletters/${id}?resent=1`);
    const after = await db.select().from(newsletterDeliveries).where(eq(newsletterDeliveries.newsletterId, id));
    expect(Object.fromEntries(after.map((d) => [d.supporterId, d.status]))).toEqual({ [ids['monthly-ja']!]: 'sent', [ids['once-en']!]: 'queued', [ids['lapsed-ja']!]: 'skipped' });
    expect((await row(id)).status).toBe('sending');
    expect(await auditOf('newsletter.resend_failed', id)).toHaveLength(1);
    // Hiding applies to sent issues only.
    expect((await staff.post(`/admin/newsletters/${id}/archive`, { _csrf: token, hidden: '1' })).res.status).toBe(409);
  });

  test('when a role without the permission opens or posts to the console, then it gets 403 and the audit log records access.denied', async () => {
    const { visitor: finance, id: financeId } = await signInAs(app, 'finance');
    const financeToken = await adminToken(finance);
    expect((await finance.get('/admin/newsletters')).res.status).toBe(403);
    const before = await count();
    expect((await finance.post('/admin/newsletters', draft({ _csrf: financeToken }))).res.status).toBe(403);
    expect(await count()).toBe(before);
    const denied = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'access.denied'), eq(auditLog.staffId, financeId)));
    expect(denied.map((d) => (d.detail as { permission: string }).permission)).toEqual(['newsletters:send', 'newsletters:send']);
    expect((await finance.get('/admin')).html).not.toContain('href="/admin/newsletters"');
  });

  test('when a form is posted without its CSRF token, then it is refused with 403 and nothing changes', async () => {
    const before = await count();
    expect((await staff.post('/admin/newsletters', draft({ _csrf: undefined }))).res.status).toBe(403);
    expect((await staff.post('/admin/newsletters', draft({ _csrf: 'forged' }))).res.status).toBe(403);
    const id = await create();
    expect((await staff.post(`/admin/newsletters/${id}/send`, { confirm: 'on' })).res.status).toBe(403);
    expect((await staff.post(`/admin/newsletters/${id}/test`, { lang: 'ja' })).res.status).toBe(403);
    expect(await count()).toBe(before + 1);
    expect((await row(id)).status).toBe('draft');
  });

  test('when an issue id is unknown or malformed, then every page and action answers 404', async () => {
    for (const id of [UNKNOWN, 'not-an-id']) {
      for (const path of ['', '/edit', '/send', '/preview?version=ja', '/progress'])
        expect({ path, status: (await staff.get(`/admin/newsletters/${id}${path}`)).res.status }).toEqual({ path, status: 404 });
      for (const path of ['', '/test', '/send', '/schedule', '/schedule/cancel', '/pause', '/resume', '/resend-failed', '/archive']) {
        expect({ path, status: (await staff.post(`/admin/newsletters/${id}${path}`, draft({ confirm: 'on' }))).res.status }).toEqual({ path, status: 404 });
      }
    }
  });

  test('when staff edit a draft, then the change is saved and audited with the fields that changed', async () => {
    const id = await create();
    const form = await staff.get(`/admin/newsletters/${id}/edit`);
    expect(form.res.status).toBe(200);
    expect(form.html).toContain('value="WELgeeファミリー通信 5月号"');
    expect(form.html).toContain(`action="/admin/newsletters/${id}?_csrf=`);
    expect(form.html).toContain('enctype="multipart/form-data"');
    const saved = await staff.post(`/admin/newsletters/${id}`, draft({ subject_ja: '5月号(改訂)', segment: 'tag', tag: '企業' }));
    expect(saved.res.status).toBe(303);
    expect(await row(id)).toMatchObject({ subjectJa: '5月号(改訂)', audience: { segment: 'tag', tag: '企業' } });
    const [audit] = await auditOf('newsletter.edit', id);
    expect((audit!.detail as { changed: string[] }).changed.sort()).toEqual(['audience', 'subjectJa']);
  });
});
