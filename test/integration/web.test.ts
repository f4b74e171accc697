import { startTestApp, type TestApp } from '../helpers/app';

describe('web basics', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
  });
  afterAll(() => app.stop());

  test('when the home page is opened, then it is Japanese by default with the organisation texts', async () => {
    const res = await fetch(`${app.url}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('あなたもWELgeeファミリーになりませんか？');
    expect(html).toContain('繋がってきた難民の数');
    expect(html).toContain('¥1,000 / 月'.replace('¥', '￥'));
    expect(html).toContain('hreflang="en"');
  });

  test('when ?lang=en is given, then the page is English and the choice is remembered in a cookie', async () => {
    const res = await fetch(`${app.url}/?lang=en`);
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Will you join the WELgee Family?');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/lang=en/);
    expect(cookie).toMatch(/HttpOnly/i);
    const again = await fetch(`${app.url}/`, { headers: { cookie: 'lang=en' } });
    expect(await again.text()).toContain('<html lang="en">');
  });

  test('when ?lang= is not a supported language, then Japanese is used', async () => {
    const res = await fetch(`${app.url}/?lang=%3Cscript%3E`);
    expect(await res.text()).toContain('<html lang="ja">');
  });

  test('when a page is missing, then a 404 page is shown in the chosen language', async () => {
    const ja = await fetch(`${app.url}/no-such-page`);
    expect(ja.status).toBe(404);
    expect(await ja.text()).toContain('ページが見つかりません');
    const en = await fetch(`${app.url}/no-such-page?lang=en`);
    expect(en.status).toBe(404);
    expect(await en.text()).toContain('Page not found');
  });

  test('when any page is served, then security headers forbid inline script and framing', async () => {
    const res = await fetch(`${app.url}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  test('when an anonymous visitor browses, then no session row is created', async () => {
    await fetch(`${app.url}/`);
    const res = await fetch(`${app.url}/`);
    expect(res.headers.get('set-cookie') ?? '').not.toContain('wf_sid');
  });

  test('when a form is posted without a CSRF token, then 403 and the handler never runs', async () => {
    const res = await fetch(`${app.url}/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=a%40b.jp',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('この操作はできません');
  });

  test('when a form is posted with a token bound to another cookie, then 403', async () => {
    const res = await fetch(`${app.url}/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'wf_csrf=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
      body: '_csrf=forged-token-value',
    });
    expect(res.status).toBe(403);
  });

  test('when the body is larger than the limit, then 413 with a clear page', async () => {
    const res = await fetch(`${app.url}/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `note=${'あ'.repeat(100_000)}`,
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('送信された内容が大きすぎます');
  });

  test('when JSON is malformed, then 400, not 500', async () => {
    const res = await fetch(`${app.url}/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: '{"a": ',
    });
    expect(res.status).toBe(400);
  });

  test('when static assets are requested, then the stylesheet is served from this server', async () => {
    const res = await fetch(`${app.url}/assets/css/site.css`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/css');
  });

  test('when SMTP_URL is set, then the local mail viewer is not mounted', async () => {
    const res = await fetch(`${app.url}/dev/mail`);
    expect(res.status).toBe(404);
  });
});

describe('privacy notice', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
  });
  afterAll(() => app.stop());

  test('when the privacy notice is opened, then it shows the setting in the chosen language and the join form links to it', async () => {
    const ja = await (await fetch(`${app.url}/privacy`)).text();
    expect(ja).toContain('<h1>個人情報の取り扱い</h1>');
    expect(ja).toContain('決済代行会社（Stripe）');
    const en = await (await fetch(`${app.url}/privacy?lang=en`)).text();
    expect(en).toContain('we never receive them');
    expect(await (await fetch(`${app.url}/family`)).text()).toContain('href="/privacy"');
  });
});
