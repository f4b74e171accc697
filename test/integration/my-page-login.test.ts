import { and, eq } from 'drizzle-orm';
import { emails, loginLinks, sessions } from '../../src/db/schema';
import { parseMail } from '../../src/dev/mail-sink';
import { t } from '../../src/lib/i18n';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { postWithSessionHeldBack } from '../helpers/sessions';
import { joinAndPay } from '../helpers/giving';
import { Visitor } from '../helpers/http';
import { openLink, requestLink, signInSupporter } from '../helpers/me';

/** The page without its per-visitor parts, to compare answers for known and unknown addresses. */
const comparable = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '');

describe('My page sign-in by emailed link', () => {
  let app: TestApp;
  let known: Awaited<ReturnType<typeof joinAndPay>>;

  beforeAll(async () => {
    app = await startTestApp();
    known = await joinAndPay(app, { plan: '1000', family_name: '川口', given_name: '葵' });
  });
  afterAll(() => app.stop());

  /** Waits until every asked-for link has been handled by its job (emails queued or the address forgotten). */
  const allRequestsProcessed = () => eventually(async () => ((await app.ctx.db.select().from(loginLinks)).every((r) => r.processedAt !== null) ? true : undefined));
  /** The sign-in links the SMTP sink has received for an address. */
  const linksReceivedBy = async (address: string) => {
    const texts = await Promise.all(app.mail.messages.filter((m) => m.envelopeTo.includes(address)).map(async (m) => (await parseMail(m.raw)).text ?? ''));
    return texts.flatMap((text) => /https?:\/\/\S+\/me\/link\/[\w-]{43}/.exec(text)?.[0] ?? []);
  };
  const loginEmailsTo = async (address: string) =>
    (
      await app.ctx.db
        .select()
        .from(emails)
        .where(and(eq(emails.template, 'login-link'), eq(emails.toAddress, address)))
    ).length;

  test('when a supporter opens the emailed link and presses the button, then they see their page', async () => {
    const { link, visitor } = await requestLink(app, known.fields.email!);
    expect(link.startsWith(`${app.url}/me/link/`)).toBe(true);
    const { page, post } = await openLink(app, link, visitor);
    expect(page.res.status).toBe(200);
    expect(page.res.headers.get('cache-control')).toBe('no-store');
    expect(post!.res.status).toBe(303);
    expect(post!.location).toBe('/me');
    const cookie = post!.res.headers.getSetCookie().find((c) => c.startsWith('wf_me='))!;
    expect(cookie).toMatch(/Path=\/me/);
    expect(cookie).toMatch(/HttpOnly/);
    const me = await visitor.get('/me');
    expect(me.html).toContain('川口 葵');
    expect(me.html).toContain('/me/gifts/');
  });

  test('when the sign-in answers, then its session is already stored, so a browser that follows the redirect at once is signed in', async () => {
    // Another supporter: the per-address limit on links belongs to the tests below.
    const quick = await joinAndPay(app, { plan: '1000', family_name: '早川', given_name: '蓮' });
    const { link, visitor } = await requestLink(app, quick.fields.email!);
    const path = new URL(link).pathname;
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await visitor.get(path)).html)![1]!;
    const { res, stored } = await postWithSessionHeldBack(app, visitor, path, { _csrf: csrf }, 'wf_me');
    expect(res.status).toBe(303);
    expect(stored).toHaveLength(1);
    expect((stored[0]!.data as { supporterId?: string }).supporterId).toBe(quick.supporter.id);
  });

  test('when the link is opened only (as a mail scanner would), then it still works once and never twice', async () => {
    const { link, visitor } = await requestLink(app, known.fields.email!);
    const path = new URL(link).pathname;
    expect((await fetch(app.url + path)).status).toBe(200);
    expect((await fetch(app.url + path)).status).toBe(200);
    const first = await openLink(app, link, visitor);
    expect(first.post!.res.status).toBe(303);
    const other = Visitor.of(app);
    const again = await openLink(app, link, other);
    expect(again.page.res.status).toBe(410);
    const token = await other.csrf('/me');
    const replay = await other.post(path, { _csrf: token });
    expect(replay.res.status).toBe(410);
    expect((await other.get('/me')).html).not.toContain('川口 葵');
  });

  test('when a link is older than 30 minutes, then it signs no one in', async () => {
    const { link, visitor } = await requestLink(app, known.fields.email!);
    await app.ctx.db
      .update(loginLinks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(loginLinks.supporterId, known.supporter.id));
    const { page } = await openLink(app, link, visitor);
    expect(page.res.status).toBe(410);
    const token = await visitor.csrf('/me');
    expect((await visitor.post(new URL(link).pathname, { _csrf: token })).res.status).toBe(410);
  });

  test('when a link is tampered with or malformed, then it signs no one in', async () => {
    const { link, visitor } = await requestLink(app, known.fields.email!);
    const path = new URL(link).pathname;
    const last = path.at(-1) === 'A' ? 'B' : 'A';
    const token = await visitor.csrf('/me');
    for (const bad of [path.slice(0, -1) + last, path.slice(0, -2), `${path}x`, '/me/link/%27%20OR%201%3D1--', '/me/link/<script>']) {
      const res = await visitor.post(bad, { _csrf: token });
      expect([404, 410]).toContain(res.res.status);
    }
    expect((await visitor.get('/me')).html).not.toContain('川口 葵');
  });

  test('when someone asks for a link for an unknown address, then the answer is the same and no email is sent', async () => {
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/me');
    const unknown = `nobody-${Date.now()}@example.jp`;
    const a = await visitor.post('/me/login', { email: unknown, _csrf: token });
    const b = await visitor.post('/me/login', { email: known.fields.email!.toUpperCase(), _csrf: token });
    expect(a.res.status).toBe(b.res.status);
    expect(comparable(a.html)).toBe(comparable(b.html));
    // The request is processed, then the typed address is forgotten.
    await eventually(async () => {
      const rows = await app.ctx.db.select().from(loginLinks);
      return rows.every((r) => r.processedAt !== null) ? true : undefined;
    });
    const rows = await app.ctx.db.select().from(loginLinks);
    expect(rows.every((r) => r.emailNormalized === null)).toBe(true);
    expect(rows.filter((r) => r.supporterId === null && r.tokenHash === null).length).toBeGreaterThanOrEqual(1);
    expect(app.mail.messages.some((m) => m.envelopeTo.includes(unknown))).toBe(false);
  });

  test('when the email field is missing, malformed, huge or has control characters, then a clear 422 and no request is stored', async () => {
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/me');
    const before = (await app.ctx.db.select().from(loginLinks)).length;
    for (const email of [undefined, '', 'not-an-email', `${'a'.repeat(300)}@example.jp`, 'a\u0000b@example.jp', '<script>@x.jp', "' OR 1=1 --"]) {
      const res = await visitor.post('/me/login', { email, _csrf: token });
      expect(res.res.status).toBe(422);
      expect(res.html).toContain('メールアドレスの形式が正しくありません');
      expect(res.html).not.toContain('<script>@');
    }
    expect((await app.ctx.db.select().from(loginLinks)).length).toBe(before);
  });

  test('when the form has no CSRF token, then it is refused', async () => {
    const visitor = Visitor.of(app);
    await visitor.get('/me');
    expect((await visitor.post('/me/login', { email: known.fields.email })).res.status).toBe(403);
  });

  test('when one address asks for many links, then the answer stays the same page and only five emails go out, for known and unknown alike', async () => {
    const other = await joinAndPay(app, { plan: '1000' });
    for (const email of [`limit-${Date.now()}@example.jp`, other.fields.email!]) {
      const visitor = Visitor.from(app);
      const token = await visitor.csrf('/me');
      const pages: string[] = [];
      for (let i = 0; i < 7; i++) {
        const { res, html } = await visitor.post('/me/login', { email, _csrf: token });
        expect(res.status).toBe(200);
        pages.push(comparable(html));
      }
      expect(new Set(pages).size).toBe(1);
    }
    await allRequestsProcessed();
    expect(await loginEmailsTo(other.fields.email!)).toBe(5);
  });

  test('when twenty requests for one address arrive at once, then five emails go out', async () => {
    const person = await joinAndPay(app, { plan: '1000' });
    const visitor = Visitor.from(app);
    const token = await visitor.csrf('/me');
    const answers = await Promise.all(Array.from({ length: 20 }, () => visitor.post('/me/login', { email: person.fields.email!, _csrf: token })));
    await allRequestsProcessed();
    expect(await loginEmailsTo(person.fields.email!)).toBe(5);
    expect(answers.every((a) => a.res.status === 200)).toBe(true);
    await eventually(async () => ((await app.ctx.db.select().from(emails).where(eq(emails.toAddress, person.fields.email!))).every((e) => e.status === 'sent') ? true : undefined));
    expect(await linksReceivedBy(person.fields.email!)).toHaveLength(5);
  });

  test("when a stranger asks for links for someone else's address, then the owner is not locked out and signs in with a link already sent", async () => {
    const owner = await joinAndPay(app, { plan: '1000', family_name: '北村', given_name: '陽' });
    const stranger = Visitor.from(app);
    const token = await stranger.csrf('/me');
    for (let i = 0; i < 6; i++) expect((await stranger.post('/me/login', { email: owner.fields.email!, _csrf: token })).res.status).toBe(200);
    const own = Visitor.from(app);
    const ownToken = await own.csrf('/me');
    const asked = await own.post('/me/login', { email: owner.fields.email!, _csrf: ownToken });
    expect(asked.res.status).toBe(200);
    expect(asked.html).not.toContain(t('ja', 'me.login.tooMany'));
    const [link] = await eventually(async () => {
      const links = await linksReceivedBy(owner.fields.email!);
      return links.length > 0 ? links : undefined;
    });
    const { post } = await openLink(app, link!, own);
    expect(post!.location).toBe('/me');
    expect((await own.get('/me')).html).toContain('北村 陽');
  });

  test('when one IP asks for links for many addresses, then it is slowed down too', async () => {
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/me');
    const statuses: number[] = [];
    // The app trusts X-Forwarded-For from loopback (its reverse proxy): one client address for all of these.
    for (let i = 0; i < 32; i++) {
      const res = await fetch(`${app.url}/me/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: visitor.cookieHeader('/me/login'), 'x-forwarded-for': '203.0.113.7' },
        body: new URLSearchParams({ email: `spray-${i}-${Date.now()}@example.jp`, _csrf: token }),
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
  });

  test('when a signed-in supporter is idle past the limit or signs out, then the page asks to sign in again', async () => {
    const person = await joinAndPay(app, { plan: '1000', family_name: '森', given_name: '蓮' });
    const visitor = await signInSupporter(app, person.fields.email!);
    expect((await visitor.get('/me')).html).toContain('森 蓮');
    // The store expires the session: what 30 idle minutes do.
    await app.ctx.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) });
    const idle = await visitor.get('/me');
    expect(idle.html).not.toContain('森 蓮');
    expect(idle.html).toContain('action="/me/login"');

    const again = await signInSupporter(app, person.fields.email!);
    const token = /name="_csrf" value="([^"]+)"/.exec((await again.get('/me')).html)![1]!;
    const out = await again.post('/me/logout', { _csrf: token });
    expect(out.location).toBe('/me?signed_out=1');
    expect((await again.get('/me')).html).not.toContain('森 蓮');
  });

  test('when a page of My page is asked for without signing in, then GET goes to sign-in and POST is refused', async () => {
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/me');
    for (const path of ['/me/profile', '/me/plan?amount=5000', '/me/cancel', `/me/gifts/${known.gifts[0]!.id}/receipt.pdf`]) {
      const res = await visitor.get(path);
      expect(res.res.status).toBe(302);
      expect(res.res.headers.get('location')).toBe('/me');
    }
    for (const path of ['/me/plan', '/me/cancel', '/me/card', '/me/restart', '/me/give', '/me/profile', '/me/preferences']) {
      expect((await visitor.post(path, { _csrf: token, amount: '5000' })).res.status).toBe(403);
    }
  });
});
