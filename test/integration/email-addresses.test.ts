import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { emails, staff, supporters } from '../../src/db/schema';
import { queueEmail } from '../../src/features/emails';
import { todayInTokyo } from '../../src/features/giving/gift-values';
import { createStaff } from '../../src/features/staff';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { CARD_OK, joinFields, mailTo } from '../helpers/giving';
import { unescapeHtml, Visitor } from '../helpers/http';
import { signInAs, STAFF_PASSWORD } from '../helpers/staff';

/** ASCII letters and digits written in full width, as a Japanese IME types them. */
const wide = (ascii: string) => ascii.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const unique = () => crypto.randomUUID().slice(0, 8);

describe('email addresses: one normal form at every entry point, and mail that cannot go shown to staff', () => {
  let app: TestApp;
  let admin: Awaited<ReturnType<typeof signInAs>>;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({ mailSink: { rejectRecipient: (address) => (address.startsWith('bounce-') ? { code: 550, message: '5.1.1 No such user' } : undefined) } });
    admin = await signInAs(app, 'admin');
    token = await admin.visitor.csrf('/admin/supporters/new');
  });
  afterAll(() => app.stop());

  const supporterBy = async (email: string) => (await app.ctx.db.select().from(supporters).where(eq(supporters.emailNormalized, email.toLowerCase())))[0];

  test('when someone gives with ｆｗ＠ｅｘａｍｐｌｅ．ｃｏｍ on /give, then fw@example.com is stored and the receipt arrives there', async () => {
    const local = `fw-${unique()}`;
    const giver = Visitor.of(app);
    const csrf = await giver.csrf('/give');
    const { res, location } = await giver.post('/give', {
      _csrf: csrf,
      amount: '3000',
      email: wide(`${local}@example.com`),
      family_name: 'Full',
      given_name: 'Width',
      locale: 'ja',
      privacy: 'on',
    });
    expect(res.status).toBe(303);
    expect((await app.stripe.payCheckoutSession(/\/(cs_[\w]+)/.exec(location!)![1]!, CARD_OK)).ok).toBe(true);
    const address = `${local}@example.com`;
    const [receipt] = await mailTo(app, address, 1, (subject) => subject.startsWith('ご寄付の領収書'));
    expect(receipt).toBeDefined();
    const stored = await supporterBy(address);
    expect([stored!.email, stored!.emailNormalized]).toEqual([address, address]);
    const sent = await app.ctx.db
      .select()
      .from(emails)
      .where(and(eq(emails.supporterId, stored!.id), eq(emails.template, 'receipt')));
    expect(sent.map((e) => [e.toAddress, e.status])).toEqual([[address, 'sent']]);
  });

  test('when someone joins with spaces, full-width digits and an upper-case domain, then the local part keeps its case and the domain is lower-cased', async () => {
    const local = `Taro.${unique()}`;
    const visitor = Visitor.of(app);
    const csrf = await visitor.csrf('/family');
    const { res } = await visitor.post('/family/join', { ...joinFields(), email: `\u3000${wide(local)}@Example.JP `, _csrf: csrf });
    expect(res.status).toBe(303);
    expect((await supporterBy(`${local}@example.jp`))!.email).toBe(`${local}@example.jp`);
  });

  test.each([
    ['ja', 'fw＠example', 'メールアドレスの形式が正しくありません'],
    ['en', 'ｆｗ＠ｅｘａｍｐｌｅ', 'Enter an email address in the correct format'],
    ['ja', '山田@example.jp', 'メールアドレスの形式が正しくありません'],
  ])('when the address given on /give (%s) is %j, then 422 with a clear message and nothing is stored', async (lang, email, message) => {
    const visitor = Visitor.of(app);
    const csrf = await visitor.csrf(`/give?lang=${lang}`);
    const { res, html } = await visitor.post('/give', { _csrf: csrf, amount: '3000', email, family_name: 'Bad', given_name: 'Address', locale: lang, privacy: 'on' });
    expect(res.status).toBe(422);
    expect(unescapeHtml(html)).toContain(message);
    expect(await app.ctx.db.select().from(supporters).where(eq(supporters.familyName, 'Bad'))).toHaveLength(0);
  });

  test('when staff add or edit a supporter with a full-width address, then the normal form is stored; a bad one answers 422 with the message', async () => {
    const local = `staffadd-${unique()}`;
    const fields = { kind: 'individual', family_name: '伊藤', given_name: '結衣', locale: 'ja', _csrf: token };
    const created = await admin.visitor.post('/admin/supporters/new', { ...fields, email: wide(`${local}@Example.jp`) });
    expect(created.res.status).toBe(303);
    const row = await supporterBy(`${local}@example.jp`);
    expect(row!.email).toBe(`${local}@example.jp`);
    const edited = await admin.visitor.post(`/admin/supporters/${row!.id}/edit`, { ...fields, email: wide(`${local}-2@example.jp`) });
    expect(edited.res.status).toBe(303);
    expect((await supporterBy(`${local}-2@example.jp`))!.email).toBe(`${local}-2@example.jp`);
    const bad = await admin.visitor.post(`/admin/supporters/${row!.id}/edit`, { ...fields, email: 'fw＠example' });
    expect(bad.res.status).toBe(422);
    expect(unescapeHtml(bad.html)).toContain('メールアドレスの形式が正しくありません');
  });

  test('when staff record an offline gift for a new supporter with a full-width address, then the normal form is stored', async () => {
    const local = `offline-${unique()}`;
    const csrf = await admin.visitor.csrf('/admin/gifts/new');
    const { res } = await admin.visitor.post('/admin/gifts', {
      _csrf: csrf,
      received_on: todayInTokyo(),
      amount: '1000',
      method: 'cash',
      supporter_id: 'new',
      new_family_name: 'Mensah',
      new_email: wide(`${local}@example.jp`),
    });
    expect(res.status).toBe(303);
    expect((await supporterBy(`${local}@example.jp`))!.email).toBe(`${local}@example.jp`);
  });

  test('when a supporter asks for a sign-in link with the full-width form of their address, then it goes to the stored address', async () => {
    const local = `melogin-${unique()}`;
    await app.ctx.db.insert(supporters).values({ email: `${local}@example.jp`, emailNormalized: `${local}@example.jp`, familyName: 'Me', givenName: 'Login' });
    const before = app.mail.messages.length;
    const visitor = Visitor.of(app);
    const csrf = await visitor.csrf('/me');
    const { res } = await visitor.post('/me/login', { email: wide(`${local}@example.jp`), _csrf: csrf });
    expect(res.status).toBe(200);
    await eventually(async () => app.mail.messages.slice(before).some((m) => m.envelopeTo.includes(`${local}@example.jp`)), 20_000);
  });

  test('when a staff account is created with a full-width address, then it is stored in normal form and signs in with either form', async () => {
    const local = `staffer-${unique()}`;
    const member = await createStaff(app.ctx.db, { email: wide(`${local}@Welgee.example`), name: 'Wide', role: 'staff', password: STAFF_PASSWORD });
    const [row] = await app.ctx.db.select().from(staff).where(eq(staff.id, member.id));
    expect(row!.email).toBe(`${local}@welgee.example`);
    const visitor = Visitor.of(app);
    const csrf = await visitor.csrf('/admin/login');
    expect((await visitor.post('/admin/login', { email: wide(`${local}@welgee.example`), password: STAFF_PASSWORD, _csrf: csrf })).res.status).toBe(303);
    await expect(createStaff(app.ctx.db, { email: 'not an address', name: 'Bad', role: 'staff', password: STAFF_PASSWORD })).rejects.toThrow('not a deliverable email address');
  });

  test.each([
    ['an address nodemailer cannot read (a row stored before the fix)', (l: string) => wide(`${l}@example.com`), 'No recipients defined'],
    ['an address the SMTP server refuses with 550', (l: string) => `bounce-${l}@example.jp`, '550'],
  ])('when an email goes to %s, then it is failed at once and the supporter page shows address, template, error and date (ja, en)', async (_, addressOf, error) => {
    const address = addressOf(unique());
    const [person] = await app.ctx.db
      .insert(supporters)
      .values({ email: address, emailNormalized: address.normalize('NFKC').toLowerCase(), familyName: 'Failing', givenName: 'Mail' })
      .returning();
    const emailId = await app.ctx.db.transaction((tx) => queueEmail(tx, { template: 'test-message', to: address, locale: 'ja', supporterId: person!.id }));
    const failed = await eventually(async () => {
      const [row] = await app.ctx.db
        .select()
        .from(emails)
        .where(and(eq(emails.id, emailId!), eq(emails.status, 'failed')));
      return row;
    }, 20_000);
    expect(failed.error).toContain(error);
    expect(failed.failedAt).toBeInstanceOf(Date);
    // One attempt: the job completed instead of failing and waiting for a retry.
    const job = await eventually(async () =>
      (await app.ctx.queues.get('email').getJobs(['completed', 'failed', 'delayed', 'waiting', 'active'])).find((j) => j?.data?.emailId === emailId),
    );
    expect(await job.getState()).toBe('completed');

    const ja = unescapeHtml((await admin.visitor.get(`/admin/supporters/${person!.id}?lang=ja`)).html);
    const alert = ja.slice(ja.indexOf('id="failed-emails"'), ja.indexOf('</section>', ja.indexOf('id="failed-emails"')));
    expect(alert).toContain('届かなかったメールがあります（1件）');
    expect(alert).toContain(address);
    expect(alert).toContain(error);
    expect(alert).toMatch(/\d{4}\/\d{1,2}\/\d{1,2}/);
    const en = unescapeHtml((await admin.visitor.get(`/admin/supporters/${person!.id}?lang=en`)).html);
    expect(en).toContain('Emails that could not be delivered (1)');
  });
});
