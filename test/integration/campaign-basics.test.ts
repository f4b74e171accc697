import { startTestApp, type TestApp } from '../helpers/app';
import { unescapeHtml, Visitor } from '../helpers/http';
import { signInAs } from '../helpers/staff';

// A valid 1×1 PNG standing in for the link-preview picture.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const meta = (html: string, attr: string) => {
  const value = new RegExp(`<meta (?:property|name)="${attr.replace(/[.:]/g, '\\$&')}" content="([^"]*)"`).exec(html)?.[1];
  return value === undefined ? undefined : unescapeHtml(value);
};

describe('campaign basics on the public pages', () => {
  let app: TestApp;
  let admin: Visitor;

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    ({ visitor: admin } = await signInAs(app, 'admin'));
  });
  afterAll(() => app.stop());

  test('when a public page is shared, then it carries a description, Open Graph and Twitter card tags with its PUBLIC_URL address and locale', async () => {
    const visitor = Visitor.from(app);
    for (const path of ['/', '/family', '/give', '/family/news']) {
      const { html } = await visitor.get(path);
      expect({ path, url: meta(html, 'og:url'), locale: meta(html, 'og:locale') }).toEqual({ path, url: `${app.url}${path}`, locale: 'ja_JP' });
      expect(meta(html, 'description')).toBeTruthy();
      expect(meta(html, 'og:title')).toBeTruthy();
      expect(meta(html, 'og:description')).toBe(meta(html, 'description'));
      expect(meta(html, 'twitter:card')).toBe('summary');
    }
    const family = (await visitor.get('/family')).html;
    expect(meta(family, 'description')).toMatch(/^日本に逃れた難民等の人生は/);
    const en = (await visitor.get('/family?lang=en')).html;
    expect(meta(en, 'og:url')).toBe(`${app.url}/family?lang=en`);
    expect(meta(en, 'og:locale')).toBe('en_US');
    expect(meta(en, 'og:locale:alternate')).toBe('ja_JP');
    expect(meta(en, 'description')).toMatch(/^The lives of refugees/);
    expect((await admin.get('/admin')).html).not.toContain('og:title');
  });

  test('when a link-preview image is uploaded in settings, then pages name it at a cacheable URL the app serves', async () => {
    const token = await admin.csrf('/admin/settings');
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(PNG)], { type: 'image/png' }), 'card.png');
    const up = await fetch(`${app.url}/admin/settings/images/ogImage?_csrf=${encodeURIComponent(token)}`, {
      method: 'POST',
      body: form,
      headers: { cookie: admin.cookieHeader('/admin') },
      redirect: 'manual',
    });
    expect(up.status).toBe(303);
    const { html } = await Visitor.from(app).get('/family');
    const image = meta(html, 'og:image');
    expect(image).toMatch(new RegExp(`^${app.url}/media/og-image/[0-9a-f]{64}$`));
    expect(meta(html, 'twitter:card')).toBe('summary_large_image');
    const res = await fetch(image!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await fetch(`${app.url}/media/og-image/${'0'.repeat(64)}`)).status).toBe(404);
  });

  test('when fewer people give monthly than the threshold in settings, then the join page hides the live count', async () => {
    const visitor = Visitor.from(app);
    expect((await visitor.get('/family')).html).not.toContain('class="counter"');
    const { familyPage } = await app.ctx.settings.get();
    await app.ctx.settings.update('familyPage', { ...familyPage, countThreshold: '0' });
    expect((await visitor.get('/family')).html).toMatch(/class="counter"[^>]*>現在/);
  });

  test('when staff read the dashboard, then the count note says the join page hides it below the threshold, naming the setting and linking to it', async () => {
    const { familyPage } = await app.ctx.settings.get();
    await app.ctx.settings.update('familyPage', { ...familyPage, countThreshold: '25' });
    const note = (html: string) => unescapeHtml(/data-figure="count-note">([\s\S]*?)<\/span>/.exec(html)![1]!);
    const ja = note((await admin.get('/admin')).html);
    expect(ja).toContain('参加ページでは、この人数が設定「支援者数を表示する人数」（現在 25人）に達するまで人数を表示しません。');
    expect(ja).toContain('href="/admin/settings#f-familyPage-countThreshold"');
    expect(ja).not.toContain('同じです');
    const en = note((await admin.get('/admin?lang=en')).html);
    expect(en).toContain('The join page hides this number until it reaches the setting “Show the supporter count from” (now 25).');
    await admin.get('/admin?lang=ja');
    await app.ctx.settings.update('familyPage', familyPage);
  });

  test('when the threshold is not a whole number in range, then the settings form says so', async () => {
    const page = await admin.get('/admin/settings');
    expect(page.html).toContain('name="familyPage.countThreshold"');
    const fields: Record<string, string> = {};
    const form = /<form method="post" action="\/admin\/settings"[\s\S]*?<\/form>/.exec(page.html)![0];
    for (const m of form.matchAll(/<input ([^>]*)>/g)) {
      const name = /name="([^"]+)"/.exec(m[1]!)?.[1];
      if (name && !/type="checkbox"/.test(m[1]!)) fields[name] = unescapeHtml(/value="([^"]*)"/.exec(m[1]!)?.[1] ?? '');
    }
    for (const m of form.matchAll(/<textarea [^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields[m[1]!] = unescapeHtml(m[2]!);
    const bad = await admin.post('/admin/settings', { ...fields, 'familyPage.countThreshold': '-5' });
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('href="#f-familyPage-countThreshold"');
  });

  test('when a one-time gift is thanked, then the page does not talk about changing a monthly amount', async () => {
    const visitor = Visitor.from(app);
    const once = (await visitor.get('/give/thanks')).html;
    expect(once).not.toContain('金額の変更');
    expect(once).toContain('ご寄付の記録と領収書');
    expect(once).toContain('href="/family"');
    const monthly = (await visitor.get('/family/thanks')).html;
    expect(monthly).toContain('金額の変更');
  });
});
