import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { newsletterDeliveries, newsletters } from '../../src/db/schema';
import { prepareDraft } from '../../src/features/annual-reports';
import { parseMail } from '../../src/dev/mail-sink';
import { startTestApp, TEST_ADDRESS, type TestApp } from '../helpers/app';
import { unescapeHtml, type Visitor } from '../helpers/http';
import { createNewsletter } from '../helpers/newsletters';
import { joinAndPay, mailTo } from '../helpers/giving';
import { pdfText } from '../helpers/pdf';
import { tempDir } from '../helpers/services';
import { signInAs } from '../helpers/staff';

// A valid 1×1 PNG: what a seal upload looks like to the server.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** The settings form's fields as a browser submits them. */
function formFields(html: string): Record<string, string> {
  const form = /<form method="post" action="\/admin\/settings"[\s\S]*?<\/form>/.exec(html)![0];
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input ([^>]*)>/g)) {
    const name = /name="([^"]+)"/.exec(m[1]!)?.[1];
    if (!name || /type="checkbox"/.test(m[1]!)) continue;
    fields[name] = unescapeHtml(/value="([^"]*)"/.exec(m[1]!)?.[1] ?? '');
  }
  for (const m of form.matchAll(/<textarea [^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields[m[1]!] = unescapeHtml(m[2]!);
  return fields;
}

describe("the sender's legal details", () => {
  let app: TestApp;
  let admin: Visitor;
  let adminEmail: string;

  beforeAll(async () => {
    app = await startTestApp({ legalDetails: false });
    ({ visitor: admin, email: adminEmail } = await signInAs(app, 'admin'));
  });
  afterAll(() => app.stop());

  async function saveSettings(change: (f: Record<string, string>) => void) {
    const fields = formFields((await admin.get('/admin/settings')).html);
    change(fields);
    return admin.post('/admin/settings', fields);
  }

  async function upload(kind: string, bytes: Buffer, type = 'image/png') {
    const token = await admin.csrf('/admin/settings');
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(bytes)], { type }), 'image.png');
    const res = await fetch(`${app.url}/admin/settings/images/${kind}?_csrf=${encodeURIComponent(token)}`, {
      method: 'POST',
      body: form,
      headers: { cookie: admin.cookieHeader('/admin') },
      redirect: 'manual',
    });
    return { res, html: await res.text() };
  }

  test('when the address is blank on a fresh install, then the dashboard lists it and the example contact email, linking to their fields', async () => {
    const { html } = await admin.get('/admin');
    expect(html).toContain('data-setup-checklist');
    expect(html).toContain('href="/admin/settings#f-organisation-address-ja"');
    expect(html).toContain('href="/admin/settings#f-organisation-contactEmail"');
    expect((await admin.get('/admin/settings')).html).toContain('id="f-organisation-address-ja"');
  });

  test('when the address is blank, then a newsletter cannot be sent: the confirm page says why and the POST is refused', async () => {
    const id = await createNewsletter(app.ctx.db, { tag: 'none' });
    const confirm = await admin.get(`/admin/newsletters/${id}/send`);
    expect(confirm.html).toContain('data-send-blocked');
    expect(confirm.html).toContain('href="/admin/settings#f-organisation-address-ja"');
    expect(confirm.html).not.toContain(`action="/admin/newsletters/${id}/send"`);
    const token = await admin.csrf(`/admin/newsletters/${id}`);
    const sent = await admin.post(`/admin/newsletters/${id}/send`, { _csrf: token, confirm: 'on', count: '0' });
    expect(sent.res.status).toBe(409);
    expect(sent.html).toContain('data-send-blocked');
    const scheduled = await admin.post(`/admin/newsletters/${id}/schedule`, { _csrf: token, send_on: '2099-01-01', send_at: '10:00' });
    expect(scheduled.res.status).toBe(409);
    const [row] = await app.ctx.db.select().from(newsletters).where(eq(newsletters.id, id));
    expect(row!.status).toBe('draft');
    expect(await app.ctx.db.select().from(newsletterDeliveries).where(eq(newsletterDeliveries.newsletterId, id))).toEqual([]);
  });

  test('when the address is blank, then no annual report email is queued', async () => {
    await prepareDraft(app.ctx.db, 2025, null);
    const confirm = await admin.get('/admin/annual-reports/2025/send');
    expect(confirm.html).toContain('data-send-blocked');
    const token = await admin.csrf('/admin/annual-reports/2025');
    const sent = await admin.post('/admin/annual-reports/2025/send', { _csrf: token, confirm: 'on' });
    expect(sent.res.status).toBe(409);
    expect(sent.location).toBeNull();
  });

  test('when a phone or address is malformed, then the form comes back with the message and nothing is stored', async () => {
    const before = JSON.stringify((await app.ctx.settings.get()).organisation);
    const bad = await saveSettings((f) => {
      f['organisation.phone'] = 'call me<script>';
      f['organisation.address.ja'] = '東京都\u0007千代田区';
    });
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('電話番号は数字とハイフンで入力してください');
    expect(bad.html).toContain('href="#f-organisation-phone"');
    app.ctx.settings.forget();
    expect(JSON.stringify((await app.ctx.settings.get()).organisation)).toBe(before);
  });

  test('when the address, contact email and phone are saved, then the checklist disappears', async () => {
    const saved = await saveSettings((f) => {
      f['organisation.address.ja'] = TEST_ADDRESS.ja;
      f['organisation.address.en'] = TEST_ADDRESS.en;
      f['organisation.contactEmail'] = 'contact@welgee.jp';
      f['organisation.phone'] = '０３-１２３４-５６７８';
    });
    expect(saved.res.status).toBe(303);
    const { organisation } = await app.ctx.settings.get();
    expect(organisation.phone).toBe('03-1234-5678');
    expect((await admin.get('/admin')).html).not.toContain('data-setup-checklist');
    expect((await admin.get('/admin/newsletters/' + (await createNewsletter(app.ctx.db, { tag: 'none' })) + '/send')).html).not.toContain('data-send-blocked');
  });

  test('when an email arrives over SMTP, then its footer names the legal entity once, with the address and contact', async () => {
    const id = await createNewsletter(app.ctx.db, { tag: 'none' });
    const token = await admin.csrf(`/admin/newsletters/${id}`);
    expect((await admin.post(`/admin/newsletters/${id}/test`, { _csrf: token, lang: 'ja' })).res.status).toBe(303);
    const [raw] = await app.mail.waitFor(1, (m) => m.envelopeTo.includes(adminEmail));
    const mail = await parseMail(raw!.raw);
    for (const body of [mail.text ?? '', unescapeHtml(mail.html || '')]) {
      expect(body.split('特定非営利活動法人WELgee').length - 1).toBe(1);
      expect(body).toContain(TEST_ADDRESS.ja);
      expect(body).toContain('contact@welgee.jp');
      expect(body).toContain('03-1234-5678');
    }
    expect(mail.html).toContain('href="mailto:contact@welgee.jp"');
  });

  test('when a public page is shown, then its footer carries the contact email (mailto) and the address', async () => {
    const { html } = await admin.get('/family');
    expect(html).toContain('<a href="mailto:contact@welgee.jp">contact@welgee.jp</a>');
    expect(html).toContain(TEST_ADDRESS.ja);
  });

  test('when a seal upload is not a PNG or JPEG, is empty or too large, then the settings page says so and nothing is stored', async () => {
    const gif = await upload('seal', Buffer.from('GIF89a\u0001\u0000\u0001\u0000'), 'image/png');
    expect(gif.res.status).toBe(422);
    expect(gif.html).toContain('PNGまたはJPEGの画像を選んでください');
    const big = await upload('seal', Buffer.concat([PNG, Buffer.alloc(600 * 1024)]));
    expect(big.res.status).toBe(413);
    expect(big.html).toContain('512 KB');
    const empty = await upload('seal', Buffer.alloc(0));
    expect(empty.res.status).toBe(422);
    expect((await admin.get('/admin/settings/images/seal')).res.status).toBe(404);
    const token = await admin.csrf('/admin/settings');
    const noToken = await fetch(`${app.url}/admin/settings/images/seal`, {
      method: 'POST',
      body: new FormData(),
      headers: { cookie: admin.cookieHeader('/admin') },
      redirect: 'manual',
    });
    expect(noToken.status).toBe(403);
    expect(token).toBeTruthy();
  });

  test('when a seal is uploaded, then the settings page shows it with a remove button and receipts carry it with the issuer address and contact', async () => {
    const up = await upload('seal', PNG);
    expect(up.res.status).toBe(303);
    const page = await admin.get('/admin/settings');
    expect(unescapeHtml(page.html)).toMatch(/<img src="\/admin\/settings\/images\/seal\?v=[0-9a-f]{12}"/);
    expect(page.html).toContain('action="/admin/settings/images/seal/remove"');
    const image = await admin.get('/admin/settings/images/seal');
    expect(image.res.headers.get('content-type')).toBe('image/png');

    const { fields } = await joinAndPay(app, { locale: 'en', family_name: 'Hassan', given_name: 'Amina', family_name_kana: '', given_name_kana: '' });
    const [mail] = await mailTo(app, fields.email!, 1, (s) => /receipt/i.test(s));
    expect(mail!.text).toContain('Dear Amina Hassan');
    const pdf = Buffer.from(mail!.attachments.find((a) => a.mimeType === 'application/pdf')!.content as ArrayBuffer);
    const text = pdfText(pdf).replace(/\s+/g, ' ');
    expect(text).toContain('Amina Hassan');
    expect(text).toContain(TEST_ADDRESS.en);
    expect(text).toContain('Contact: contact@welgee.jp / 03-1234-5678');
    const file = path.join(tempDir('wf-seal-'), 'receipt.pdf');
    fs.writeFileSync(file, pdf);
    expect(execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' })).toMatch(/\n\s*1\s+\d+\s+image/);

    const token = await admin.csrf('/admin/settings');
    expect((await admin.post('/admin/settings/images/seal/remove', { _csrf: token })).res.status).toBe(303);
    expect((await admin.get('/admin/settings/images/seal')).res.status).toBe(404);
  });
});
