import { parse } from 'csv-parse/sync';
import { and, eq, isNull, sql } from 'drizzle-orm';
import {
  auditLog,
  consents,
  deletionRequests,
  donations,
  emails,
  loginLinks,
  newsletterDeliveries,
  newsletters,
  stripeEvents,
  subscriptions,
  supporterMerges,
  supporterNotes,
  supporterTags,
  supporters,
} from '../../src/db/schema';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { joinAndPay } from '../helpers/giving';
import { unescapeHtml, Visitor } from '../helpers/http';
import { signInSupporter } from '../helpers/me';
import { adminToken, signInAs } from '../helpers/staff';

const tokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/** RFC 4180 (csv-parse): quoted fields may hold commas, quotes ("") and line breaks; rows end with CRLF. */
function parseCsv(text: string): string[][] {
  if (text !== '' && !text.endsWith('\r\n')) throw new Error('the CSV does not end with CRLF');
  return parse(text, { record_delimiter: '\r\n', relax_column_count: true });
}

/** Every row of every table, as text: to prove a value is held nowhere. */
async function dumpDatabase(app: TestApp): Promise<string> {
  const tables = (await app.ctx.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`)) as unknown as {
    rows: { table_name: string }[];
  };
  const parts: string[] = [];
  for (const { table_name } of tables.rows) {
    const result = (await app.ctx.db.execute(sql`select t::text as row from ${sql.identifier(table_name)} t`)) as unknown as { rows: { row: string }[] };
    parts.push(...result.rows.map((r) => `${table_name}: ${r.row}`));
  }
  return parts.join('\n');
}

const ledgerSum = async (app: TestApp, supporterId?: string) => {
  const [row] = await app.ctx.db
    .select({ total: sql<number>`coalesce(sum(${donations.amount}), 0)`.mapWith(Number), n: sql<number>`count(*)`.mapWith(Number) })
    .from(donations)
    .where(supporterId ? eq(donations.supporterId, supporterId) : undefined);
  return row!;
};

describe('personal data: download and deletion', () => {
  let app: TestApp;
  let admin: { visitor: Visitor; id: string };
  let adminCsrf: string;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await signInAs(app, 'admin');
    adminCsrf = await adminToken(admin.visitor);
  });
  afterAll(() => app.stop());

  async function signedIn(overrides: Record<string, string> = {}) {
    const joined = await joinAndPay(app, { plan: '1000', ...overrides });
    // The welcome and receipt emails are recorded once the gift is in: wait for them.
    await eventually(async () => (await app.ctx.db.select().from(emails).where(eq(emails.supporterId, joined.supporter.id))).length >= 2);
    const visitor = await signInSupporter(app, joined.fields.email!);
    const token = tokenOf((await visitor.get('/me/data')).html);
    return { ...joined, visitor, token };
  }

  test('when a supporter downloads their data as JSON, then it holds their profile, consents, gifts with receipt numbers, emails, tags and notes, and nothing of anyone else', async () => {
    const a = await signedIn({ family_name: '森', given_name: '陽菜' });
    const b = await joinAndPay(app, { plan: '5000', family_name: '別人', given_name: '次郎' });
    await app.ctx.db.insert(supporterTags).values({ supporterId: a.supporter.id, tag: 'イベント参加' });
    await app.ctx.db.insert(supporterNotes).values({ supporterId: a.supporter.id, body: '電話でお礼を伝えた' });

    const { res, html } = await a.visitor.get('/me/data.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="welgee-my-data-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(html).toContain('\n  "profile": {');
    const data = JSON.parse(html);
    expect(data.profile).toMatchObject({ id: a.supporter.id, email: a.fields.email, familyName: '森', givenName: '陽菜', familyNameKana: 'ヤマダ' });
    expect(data.profile).not.toHaveProperty('searchKey');
    expect(data.profile).not.toHaveProperty('nameKeys');
    expect(data.consents.length).toBeGreaterThan(0);
    expect(data.consents[0]).toEqual(
      expect.objectContaining({
        purpose: 'privacy_policy',
        granted: true,
        text: expect.any(String),
        source: expect.any(String),
        ip: expect.any(String),
        createdAt: expect.any(String),
      }),
    );
    expect(data.consents[0]).toHaveProperty('userAgent');
    expect(data.subscriptions).toEqual([expect.objectContaining({ amount: 1000, stripeSubscriptionId: a.subscription.stripeSubscriptionId })]);
    expect(data.ledger).toEqual([
      expect.objectContaining({ entry: 'gift', status: 'received', amount: 1000, receiptNumber: a.gifts[0]!.receiptNumber, method: expect.any(String) }),
    ]);
    expect(data.emails.length).toBeGreaterThanOrEqual(2);
    for (const email of data.emails) {
      expect(email).toEqual(expect.objectContaining({ to: a.fields.email, template: expect.any(String), status: expect.any(String) }));
      expect(email).not.toHaveProperty('params');
    }
    expect(data.tags).toEqual([expect.objectContaining({ tag: 'イベント参加' })]);
    expect(data.notes).toEqual([expect.objectContaining({ body: '電話でお礼を伝えた' })]);
    for (const section of ['cancellationReasons', 'deletionRequests', 'earlierRecords', 'newsletters', 'annualReceipts']) expect(data[section]).toEqual([]);
    for (const other of [b.fields.email!, b.supporter.id, '別人', b.gifts[0]!.receiptNumber!]) expect(html).not.toContain(other);

    const page = unescapeHtml((await a.visitor.get('/me/data')).html);
    expect(page).toContain('森 陽菜');
    expect(page).toContain('href="/me/data.json"');
    expect(page).toContain('href="/me/data.csv"');
  });

  test('when a supporter downloads CSV, then it is UTF-8 with BOM and CRLF, parses back to the same values, and a leading = is neutralised', async () => {
    const a = await signedIn({ family_name: '=HYPERLINK("http://evil.example","x")', given_name: '+太郎' });
    const address = '芝5丁目, "ビル" 3F';
    await app.ctx.db.update(supporters).set({ address, phone: '-0312345678' }).where(eq(supporters.id, a.supporter.id));
    const gift = a.gifts[0]!;
    await app.ctx.db.insert(donations).values({
      supporterId: a.supporter.id,
      entry: 'refund',
      amount: -gift.amount,
      method: gift.method,
      frequency: gift.frequency,
      relatedDonationId: gift.id,
      stripeRefundId: `re_test_${Date.now()}`,
      receivedAt: new Date(),
      receivedOn: gift.receivedOn,
      channel: 'stripe',
    });

    const res = await fetch(`${app.url}/me/data.csv`, { headers: { cookie: a.visitor.cookieHeader('/me') } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="welgee-my-data-\d{4}-\d{2}-\d{2}\.csv"$/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(
      text
        .replace(/"[^"]*"/g, '')
        .split('\r\n')
        .every((line) => !line.includes('\n')),
    ).toBe(true);

    const rows = parseCsv(text);
    expect(rows[0]).toEqual(['section', 'record', 'field', 'value']);
    for (const row of rows) expect(row).toHaveLength(4);
    const value = (section: string, field: string, record = '1') => rows.find((r) => r[0] === section && r[1] === record && r[2] === field)?.[3];
    expect(value('profile', 'familyName')).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(value('profile', 'givenName')).toBe("'+太郎");
    expect(value('profile', 'phone')).toBe("'-0312345678");
    expect(value('profile', 'address')).toBe(address);
    expect(value('profile', 'email')).toBe(a.fields.email);
    expect(value('ledger', 'receiptNumber')).toBe(a.gifts[0]!.receiptNumber);
    expect(value('consents', 'text')).toBeTruthy();
    expect(rows.some((r) => r[0] === 'emails' && r[2] === 'to' && r[3] === a.fields.email)).toBe(true);
    // A refund is its own row; its amount stays a number, and the gift says it was refunded.
    expect(value('ledger', 'status')).toBe('refunded');
    expect([value('ledger', 'entry', '2'), value('ledger', 'amount', '2')]).toEqual(['refund', String(-gift.amount)]);
    // No cell a spreadsheet would run as a formula (a plain negative number is not one).
    for (const row of rows) for (const cell of row) expect({ cell, formula: /^[=+\-@\t\r]/.test(cell) && !/^-\d+$/.test(cell) }).toEqual({ cell, formula: false });
  });

  test('when nobody is signed in, then the data pages send to /me and a deletion request is refused', async () => {
    const anonymous = Visitor.of(app);
    for (const path of ['/me/data', '/me/data.json', '/me/data.csv']) {
      const { res } = await anonymous.get(path);
      expect({ path, status: res.status, location: res.headers.get('location') }).toEqual({ path, status: 302, location: '/me' });
    }
    const token = await anonymous.csrf('/me');
    expect((await anonymous.post('/me/delete', { confirm: 'on', _csrf: token })).res.status).toBe(403);
  });

  test('when a signed-in supporter posts without the CSRF token or without ticking the box, then no request is made', async () => {
    const a = await signedIn();
    expect((await a.visitor.post('/me/delete', { confirm: 'on' })).res.status).toBe(403);
    const unticked = await a.visitor.post('/me/delete', { _csrf: a.token });
    expect(unticked.res.status).toBe(422);
    expect(unescapeHtml(unticked.html)).toContain('確認のチェックボックスにチェックを入れてください');
    expect(unticked.html).toContain('action="/me/delete"');
    expect(unticked.html).toMatch(/data-error-summary[\s\S]*<a href="#confirm">[^<]*確認のチェックボックス/);
    expect(unticked.html).toContain('id="confirm" name="confirm"');
    expect(await app.ctx.db.select().from(deletionRequests).where(eq(deletionRequests.supporterId, a.supporter.id))).toEqual([]);
  });

  test('when a supporter asks for deletion twice, then there is one pending request and one audit entry, and only admins see it', async () => {
    const a = await signedIn({ family_name: '二重', given_name: '依頼' });
    for (let i = 0; i < 2; i++) {
      const { res, location } = await a.visitor.post('/me/delete', { confirm: 'on', _csrf: a.token });
      expect(res.status).toBe(303);
      expect(location).toBe('/me?done=deletion');
    }
    const requests = await app.ctx.db.select().from(deletionRequests).where(eq(deletionRequests.supporterId, a.supporter.id));
    expect(requests).toEqual([expect.objectContaining({ status: 'pending', decidedBy: null })]);
    const audits = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'supporter.deletion_requested'), eq(auditLog.targetId, a.supporter.id)));
    expect(audits).toEqual([expect.objectContaining({ staffId: null, targetType: 'supporter' })]);
    expect(unescapeHtml((await a.visitor.get('/me/data')).html)).toContain('削除のご依頼をいただいています');

    const staff = await signInAs(app, 'staff');
    const staffToken = await adminToken(staff.visitor);
    expect((await staff.visitor.get('/admin/deletion-requests')).res.status).toBe(403);
    expect((await staff.visitor.get(`/admin/deletion-requests/${requests[0]!.id}`)).res.status).toBe(403);
    expect((await staff.visitor.post(`/admin/deletion-requests/${requests[0]!.id}/confirm`, { irreversible: 'on', _csrf: staffToken })).res.status).toBe(403);
    expect((await app.ctx.db.select().from(deletionRequests).where(eq(deletionRequests.id, requests[0]!.id)))[0]!.status).toBe('pending');

    const list = unescapeHtml((await admin.visitor.get('/admin/deletion-requests')).html);
    expect(list).toContain(`/admin/deletion-requests/${requests[0]!.id}`);
    expect(list).toContain('二重 依頼');
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) expect((await admin.visitor.get(`/admin/deletion-requests/${id}`)).res.status).toBe(404);

    // Declining leaves the person as they are and lets them ask again later.
    const declined = await admin.visitor.post(`/admin/deletion-requests/${requests[0]!.id}/decline`, { _csrf: adminCsrf });
    expect(declined.location).toBe(`/admin/deletion-requests/${requests[0]!.id}?done=declined`);
    const [after] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, a.supporter.id));
    expect(after).toMatchObject({ familyName: '二重', erasedAt: null });
    expect((await app.ctx.db.select().from(deletionRequests).where(eq(deletionRequests.id, requests[0]!.id)))[0]).toMatchObject({ status: 'declined', decidedBy: admin.id });
  });

  test('when an admin confirms a deletion, then the person is erased everywhere, monthly giving ends at Stripe, and the ledger keeps every row and yen', async () => {
    const stamp = Date.now().toString(36);
    const familyName = `Erasable${stamp}`;
    const a = await signedIn({ family_name: familyName, given_name: 'Person', locale: 'en' });
    const id = a.supporter.id;
    const email = a.fields.email!;
    const address = `芝公園${stamp}番地`;
    const phone = `03-5555-${stamp.slice(-4)}`;
    await app.ctx.db.update(supporters).set({ postalCode: '105-0011', prefecture: '東京都', address, phone, newsletter: true }).where(eq(supporters.id, id));
    await app.ctx.db.insert(supporterTags).values({ supporterId: id, tag: `tag-${stamp}` });
    await app.ctx.db.insert(supporterNotes).values({ supporterId: id, body: `note about ${familyName}` });
    await app.ctx.db
      .update(donations)
      .set({ payerName: `ﾊﾟｰｿﾝ${stamp}` })
      .where(eq(donations.supporterId, id));
    // An earlier record of the same person, merged into this one, with its snapshot.
    const dupEmail = `old-${stamp}@example.jp`;
    const [dup] = await app.ctx.db
      .insert(supporters)
      .values({ familyName: `Old${stamp}`, givenName: 'Person', email: dupEmail, emailNormalized: dupEmail, mergedIntoId: id, address: `旧住所${stamp}` })
      .returning();
    await app.ctx.db.insert(supporterMerges).values({ keptId: id, mergedId: dup!.id, snapshot: { supporter: dup, moved: { donations: 0 }, filled: [], stripe: 'none' } });
    const other = await joinAndPay(app, { plan: '5000' });
    // A newsletter row still waiting for them holds their address.
    const [issue] = await app.ctx.db
      .insert(newsletters)
      .values({ subjectJa: `号${stamp}`, status: 'paused' })
      .returning();
    await app.ctx.db.insert(newsletterDeliveries).values({ newsletterId: issue!.id, supporterId: id, email, locale: 'en' });

    const ownBefore = await ledgerSum(app, id);
    const allBefore = await ledgerSum(app);
    const giftsBefore = await app.ctx.db
      .select({ id: donations.id, amount: donations.amount, receiptNumber: donations.receiptNumber })
      .from(donations)
      .where(eq(donations.supporterId, id));
    const consentCount = (await app.ctx.db.select().from(consents).where(eq(consents.supporterId, id))).length;

    expect((await a.visitor.post('/me/delete', { confirm: 'on', _csrf: a.token })).location).toBe('/me?done=deletion');
    const [request] = await app.ctx.db.select().from(deletionRequests).where(eq(deletionRequests.supporterId, id));

    const preview = unescapeHtml((await admin.visitor.get(`/admin/deletion-requests/${request!.id}`)).html);
    expect(preview).toContain(familyName);
    expect(preview).toContain(a.subscription.stripeSubscriptionId);
    expect(preview).toContain(`寄付・返金の記録 ${ownBefore.n}件、合計 ￥${ownBefore.total.toLocaleString('ja-JP')}`);
    expect(preview).toContain('この操作は取り消せません');

    const unticked = await admin.visitor.post(`/admin/deletion-requests/${request!.id}/confirm`, { _csrf: adminCsrf });
    expect(unticked.res.status).toBe(422);
    expect(unescapeHtml(unticked.html)).toMatch(/data-error-summary[\s\S]*<a href="#irreversible">実行するには/);
    expect(unticked.html).toContain('aria-describedby="irreversible-error"');
    expect((await app.ctx.db.select().from(supporters).where(eq(supporters.id, id)))[0]!.erasedAt).toBeNull();

    const confirmedAt = new Date();
    const done = await admin.visitor.post(`/admin/deletion-requests/${request!.id}/confirm`, { irreversible: 'on', _csrf: adminCsrf });
    expect(done.res.status).toBe(303);
    expect(done.location).toBe(`/admin/deletion-requests/${request!.id}?done=erased`);

    // Stripe: the subscription ended now, the customer keeps no name or email.
    expect((await app.ctx.stripe.stripe.subscriptions.retrieve(a.subscription.stripeSubscriptionId)).status).toBe('canceled');
    const customer = (await app.ctx.stripe.stripe.customers.retrieve(a.supporter.stripeCustomerId!)) as { name?: string | null; email?: string | null };
    expect({ name: customer.name || null, email: customer.email || null }).toEqual({ name: null, email: null });
    // Once Stripe's webhook has come back, the mirror says so too.
    await eventually(async () => (await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.id, a.subscription.id)))[0]!.status === 'canceled');

    const [erased] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, id));
    expect(erased).toMatchObject({
      familyName: '',
      givenName: '',
      familyNameKana: null,
      givenNameKana: null,
      postalCode: null,
      prefecture: null,
      address: null,
      phone: null,
      email: `erased-${id}@erased.invalid`,
      emailNormalized: `erased-${id}@erased.invalid`,
      newsletter: false,
      postalMail: false,
    });
    expect(erased!.erasedAt).toBeInstanceOf(Date);
    expect((await app.ctx.db.select().from(supporters).where(eq(supporters.id, dup!.id)))[0]).toMatchObject({
      familyName: '',
      address: null,
      email: `erased-${dup!.id}@erased.invalid`,
    });
    const consentRows = await app.ctx.db.select().from(consents).where(eq(consents.supporterId, id));
    expect(consentRows).toHaveLength(consentCount);
    for (const c of consentRows) expect({ ip: c.ip, userAgent: c.userAgent }).toEqual({ ip: null, userAgent: null });
    // Stripe's cancellation comes back as a webhook; once every event is processed, no email was written
    // for the erased address, and the emails written before keep no address or contents.
    await eventually(async () => {
      const pending = await app.ctx.db.select().from(stripeEvents).where(isNull(stripeEvents.processedAt));
      const deleted = await app.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.type, 'customer.subscription.deleted'));
      return pending.length === 0 && deleted.some((e) => e.processedAt && e.receivedAt >= confirmedAt) ? true : undefined;
    }, 20_000);
    const mails = await app.ctx.db.select().from(emails).where(eq(emails.supporterId, id));
    expect(mails.length).toBeGreaterThanOrEqual(2);
    expect(mails.filter((m) => m.createdAt >= confirmedAt)).toEqual([]);
    for (const e of mails) expect(e.toAddress).toBe(`erased-${id}@erased.invalid`);
    for (const e of mails) expect(e.params).toEqual({});
    expect(
      await app.ctx.db
        .select({ email: newsletterDeliveries.email, status: newsletterDeliveries.status })
        .from(newsletterDeliveries)
        .where(eq(newsletterDeliveries.supporterId, id)),
    ).toEqual([{ email: `erased-${id}@erased.invalid`, status: 'skipped' }]);
    expect(await app.ctx.db.select().from(supporterNotes).where(eq(supporterNotes.supporterId, id))).toEqual([]);
    expect(await app.ctx.db.select().from(supporterTags).where(eq(supporterTags.supporterId, id))).toEqual([]);
    expect(await app.ctx.db.select().from(loginLinks).where(eq(loginLinks.supporterId, id))).toEqual([]);

    // Nothing personal is left in any table once Stripe's later webhooks are processed (a processed
    // event keeps only its ids); the other supporter's data is untouched.
    const dump = await dumpDatabase(app);
    for (const value of [email, email.toLowerCase(), familyName, address, phone, dupEmail, `Old${stamp}`, `旧住所${stamp}`, `ﾊﾟｰｿﾝ${stamp}`, `note about`]) {
      expect({ value, found: dump.split('\n').filter((line) => line.includes(value)) }).toEqual({ value, found: [] });
    }
    expect(dump).toContain(other.fields.email!);

    // The ledger: the same rows, amounts and receipt numbers, under the same id.
    expect(await ledgerSum(app, id)).toEqual(ownBefore);
    expect(await ledgerSum(app)).toEqual(allBefore);
    const giftsAfter = await app.ctx.db
      .select({ id: donations.id, amount: donations.amount, receiptNumber: donations.receiptNumber })
      .from(donations)
      .where(eq(donations.supporterId, id));
    expect(giftsAfter).toEqual(giftsBefore);
    expect(giftsAfter.every((g) => g.receiptNumber)).toBe(true);

    expect((await app.ctx.db.select().from(deletionRequests).where(eq(deletionRequests.id, request!.id)))[0]).toMatchObject({ status: 'completed', decidedBy: admin.id });
    const erasedAudits = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'supporter.erased'), eq(auditLog.targetId, id)));
    expect(erasedAudits).toHaveLength(1);
    expect(erasedAudits[0]!.staffId).toBe(admin.id);

    // Confirming again changes nothing.
    const again = await admin.visitor.post(`/admin/deletion-requests/${request!.id}/confirm`, { irreversible: 'on', _csrf: adminCsrf });
    expect(again.location).toBe(`/admin/deletion-requests/${request!.id}?done=alreadyDecided`);
    expect(
      await app.ctx.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'supporter.erased'), eq(auditLog.targetId, id))),
    ).toHaveLength(1);
    expect(unescapeHtml((await admin.visitor.get('/admin/deletion-requests')).html)).toContain('（削除済みの支援者）');

    // The person's My page session has ended, and their old address signs no one in.
    const ended = await a.visitor.get('/me/data');
    expect(ended.res.status).toBe(302);
    expect((await a.visitor.get('/me')).html).not.toContain('Person');
    const mailsBefore = app.mail.messages.length;
    const asking = Visitor.of(app);
    const loginToken = await asking.csrf('/me');
    const askedAt = new Date();
    expect((await asking.post('/me/login', { email, _csrf: loginToken })).res.status).toBe(200);
    await eventually(async () => {
      const rows = await app.ctx.db
        .select()
        .from(loginLinks)
        .where(sql`${loginLinks.requestedAt} >= ${askedAt} and ${loginLinks.processedAt} is not null`);
      return rows.length > 0;
    });
    expect(app.mail.messages.slice(mailsBefore).filter((m) => m.envelopeTo.some((to) => to.toLowerCase() === email.toLowerCase()))).toEqual([]);
    expect(
      await app.ctx.db
        .select()
        .from(emails)
        .where(and(eq(emails.template, 'login-link'), eq(emails.supporterId, id), sql`${emails.createdAt} >= ${askedAt}`)),
    ).toEqual([]);
  });
});
