import crypto from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { auditLog, consents, donations, emails, supporters } from '../../src/db/schema';
import { adminRouteList } from '../../src/features/admin/admin.routes';
import { recordGift } from '../../src/features/giving';
import { roleCan, rolePermissions, roles, type Permission } from '../../src/features/staff';
import { now } from '../../src/lib/clock';
import { tokyoDay, tokyoYear } from '../../src/lib/dates';
import { startTestApp, type TestApp } from '../helpers/app';
import { unescapeHtml, Visitor } from '../helpers/http';
import { signInAs } from '../helpers/staff';

const DAY = 24 * 3600 * 1000;
const today = () => tokyoDay(new Date());

let n = 0;
/** A supporter stored directly, with unique email and the given katakana name. */
async function addSupporter(app: TestApp, kana: [string, string] = ['ヤマダ', 'ハナコ'], names: [string, string] = ['山田', '花子']) {
  n += 1;
  const email = `gift-${Date.now()}-${n}@example.jp`;
  const [row] = await app.ctx.db
    .insert(supporters)
    .values({ email, emailNormalized: email, familyName: names[0], givenName: names[1], familyNameKana: kana[0], givenNameKana: kana[1] })
    .returning();
  return row!;
}

const countDonations = async (app: TestApp) => (await app.ctx.db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(donations))[0]!.n;
const countSupporters = async (app: TestApp) => (await app.ctx.db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(supporters))[0]!.n;

describe('offline gifts in the staff console', () => {
  let app: TestApp;
  let visitor: Visitor;
  let staffId: string;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    ({ visitor, id: staffId } = await signInAs(app, 'staff'));
    token = await visitor.csrf('/admin/gifts/new');
  });
  afterAll(() => app.stop());

  const record = (fields: Record<string, string | string[] | undefined>) => visitor.post('/admin/gifts', { _csrf: token, ...fields });
  const giftIdFrom = (location: string | null) => /^\/admin\/gifts\/([0-9a-f-]{36})\?recorded=1$/.exec(location ?? '')?.[1];

  test('when staff search a supporter and record a bank transfer for them, then the ledger has an offline gift with a receipt number and no email is queued', async () => {
    const supporter = await addSupporter(app);
    const search = await visitor.get('/admin/gifts/new?q=' + encodeURIComponent('やまだ'));
    expect(search.res.status).toBe(200);
    expect(search.html).toContain(`value="${supporter.id}"`);

    const { res, location } = await record({
      received_on: today(),
      amount: '１０，０００',
      method: 'bank_transfer',
      payer_name: 'ﾔﾏﾀﾞ ﾊﾅｺ',
      note: '11月分',
      supporter_id: supporter.id,
    });
    expect(res.status).toBe(303);
    const id = giftIdFrom(location)!;
    expect(id).toBeTruthy();

    const [gift] = await app.ctx.db.select().from(donations).where(eq(donations.id, id));
    expect(gift).toMatchObject({
      supporterId: supporter.id,
      entry: 'gift',
      channel: 'offline',
      frequency: 'one_time',
      amount: 10000,
      fee: null,
      method: 'bank_transfer',
      payerName: 'ヤマダ ハナコ',
      recordedBy: staffId,
      receivedOn: today(),
      note: '11月分',
      bankFingerprint: null,
    });
    expect(gift!.receiptNumber).toMatch(new RegExp(`^${tokyoYear(now())}-\\d{6}$`));
    expect(gift!.receivedAt.getTime()).toBe(new Date(`${today()}T00:00:00+09:00`).getTime());

    const [after] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, supporter.id));
    expect(after!.status).toBe('one_time');
    const audit = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'gift.record'), eq(auditLog.targetId, id)));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.staffId).toBe(staffId);
    // Offline gifts are receipted in the annual receipt: no receipt email.
    expect(await app.ctx.db.select().from(emails).where(eq(emails.supporterId, supporter.id))).toHaveLength(0);

    const page = await visitor.get(location!);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain(gift!.receiptNumber!);
    expect(unescapeHtml(page.html)).toContain('ヤマダ ハナコ');
  });

  test('when staff record a cash gift for a new supporter, then the supporter is created without consents and becomes one_time', async () => {
    const email = `new-${crypto.randomUUID()}@example.jp`;
    const { res, location } = await record({
      received_on: today().replaceAll('-', '/'),
      amount: '3000',
      method: 'cash',
      supporter_id: 'new',
      new_family_name: 'Mensah',
      new_given_name: 'Kofi',
      new_family_name_kana: 'めんさ',
      new_given_name_kana: 'ｺﾌｨ',
      new_email: email,
    });
    expect(res.status).toBe(303);
    const [created] = await app.ctx.db.select().from(supporters).where(eq(supporters.emailNormalized, email));
    expect(created).toMatchObject({ familyName: 'Mensah', givenName: 'Kofi', familyNameKana: 'メンサ', givenNameKana: 'コフィ', status: 'one_time', newsletter: false });
    expect(await app.ctx.db.select().from(consents).where(eq(consents.supporterId, created!.id))).toHaveLength(0);
    const [gift] = await app.ctx.db
      .select()
      .from(donations)
      .where(eq(donations.id, giftIdFrom(location)!));
    expect(gift).toMatchObject({ supporterId: created!.id, amount: 3000, method: 'cash', channel: 'offline', payerName: null });
  });

  test('when an offline gift and a card gift are booked in one year, then they share one receipt sequence; a gift dated last year is numbered in that year', async () => {
    const supporter = await addSupporter(app, ['スズキ', 'イチロウ']);
    const first = await record({ received_on: today(), amount: '1000', method: 'cash', supporter_id: supporter.id });
    const card = await app.ctx.db.transaction((tx) =>
      recordGift(tx, {
        supporterId: supporter.id,
        amount: 5000,
        fee: 180,
        method: 'card',
        frequency: 'one_time',
        planAmount: null,
        stripeChargeId: `ch_${crypto.randomUUID()}`,
        receivedAt: new Date(),
      }),
    );
    const second = await record({ received_on: today(), amount: '2000', method: 'cash', supporter_id: supporter.id });
    const numberOf = async (id: string) => (await app.ctx.db.select().from(donations).where(eq(donations.id, id)))[0]!.receiptNumber!;
    const seq = (r: string) => Number(r.slice(5));
    const a = await numberOf(giftIdFrom(first.location)!);
    const b = await numberOf(giftIdFrom(second.location)!);
    expect(seq(card!.receiptNumber!)).toBe(seq(a) + 1);
    expect(seq(b)).toBe(seq(a) + 2);

    const lastYear = tokyoYear(now()) - 1;
    const old = await record({ received_on: `${lastYear}-12-31`, amount: '1000', method: 'cash', supporter_id: supporter.id });
    expect(await numberOf(giftIdFrom(old.location)!)).toMatch(new RegExp(`^${lastYear}-`));
  });

  test('when values are wrong, arrays, huge, or carry control characters, HTML or SQL, then 422 and nothing is stored', async () => {
    const supporter = await addSupporter(app, ['タナカ', 'ジロウ']);
    const taken = await addSupporter(app, ['サトウ', 'ケン']);
    const good = { received_on: today(), amount: '5000', method: 'bank_transfer', payer_name: 'タナカ ジロウ', supporter_id: supporter.id };
    const newPerson = { supporter_id: 'new', new_family_name: '佐々木', new_given_name: '優', new_email: `ok-${crypto.randomUUID()}@example.jp` };
    const tomorrow = tokyoDay(new Date(Date.now() + DAY));
    const cases: [string, Record<string, string | string[]>][] = [
      ['zero amount', { amount: '0' }],
      ['negative amount', { amount: '-5000' }],
      ['decimal amount', { amount: '1000.5' }],
      ['too large', { amount: '10000001' }],
      ['words', { amount: 'five thousand' }],
      ['exponent', { amount: '1e4' }],
      ['HTML amount', { amount: '<script>alert(1)</script>' }],
      ['SQL amount', { amount: '1000; DROP TABLE donations; --' }],
      ['array amount', { amount: ['1000', '2000'] }],
      ['huge amount', { amount: '9'.repeat(20_000) }],
      ['future date', { received_on: tomorrow }],
      ['impossible date', { received_on: '2026-02-30' }],
      ['ancient date', { received_on: '1999-01-01' }],
      ['word date', { received_on: 'yesterday' }],
      ['array date', { received_on: [today(), today()] }],
      ['missing date', { received_on: '' }],
      ['card method', { method: 'card' }],
      ['array method', { method: ['cash', 'cash'] }],
      ['HTML payer', { payer_name: '<b>タナカ</b>' }],
      ['SQL payer', { payer_name: "タナカ'; DROP TABLE donations; --" }],
      ['control payer', { payer_name: 'タナカ\u0000ジロウ' }],
      ['kanji payer', { payer_name: '田中次郎' }],
      ['huge payer', { payer_name: 'タ'.repeat(5000) }],
      ['transfer without payer', { payer_name: '' }],
      ['control note', { note: 'ok\u0007' }],
      ['long note', { note: 'a'.repeat(501) }],
      ['array note', { note: ['a', 'b'] }],
      ['bad supporter id', { supporter_id: "1' OR '1'='1" }],
      ['unknown supporter', { supporter_id: '00000000-0000-4000-8000-000000000000' }],
      ['array supporter', { supporter_id: [supporter.id, supporter.id] }],
      ['no supporter', { supporter_id: '' }],
      ['new: HTML name', { ...newPerson, new_family_name: '<img src=x onerror=alert(1)>' }],
      ['new: bad email', { ...newPerson, new_email: 'not-an-email' }],
      ['new: control in name', { ...newPerson, new_given_name: 'A\u202Eb' }],
      ['new: no name', { ...newPerson, new_family_name: '' }],
      ['new: kanji kana', { ...newPerson, new_family_name_kana: '佐々木' }],
      ['new: email taken', { ...newPerson, new_email: taken.email }],
    ];
    const donationsBefore = await countDonations(app);
    const supportersBefore = await countSupporters(app);
    for (const [label, override] of cases) {
      const { res, html } = await record({ ...good, ...override });
      expect({ label, status: res.status }).toEqual({ label, status: 422 });
      expect({ label, escaped: !html.includes('<script>alert') && !html.includes('<img src=x') && !html.includes('<b>タナカ') }).toEqual({ label, escaped: true });
    }
    expect(await countDonations(app)).toBe(donationsBefore);
    expect(await countSupporters(app)).toBe(supportersBefore);
    // The form comes back with the message next to the field.
    const { html } = await record({ ...good, received_on: tomorrow });
    expect(html).toContain('id="received_on-error"');
    expect(unescapeHtml(html)).toContain('未来の日付は記録できません');
  });

  test('when a gift is reversed with a reason, then a negative reversal row points at it and the two sum to zero; a second reversal is refused', async () => {
    const supporter = await addSupporter(app, ['イトウ', 'サクラ']);
    const { location } = await record({ received_on: today(), amount: '7000', method: 'bank_transfer', payer_name: 'ｲﾄｳ ｻｸﾗ', supporter_id: supporter.id });
    const giftId = giftIdFrom(location)!;

    const noReason = await visitor.post(`/admin/gifts/${giftId}/reverse`, { _csrf: token, reason: '  ' });
    expect(noReason.res.status).toBe(422);
    expect(noReason.html).toMatch(/data-error-summary[\s\S]*<a href="#reason">/);
    expect(noReason.html).toContain('aria-describedby="reason-error"');

    const reversed = await visitor.post(`/admin/gifts/${giftId}/reverse`, { _csrf: token, reason: '別の支援者の振込でした' });
    expect(reversed.res.status).toBe(303);
    expect(reversed.location).toBe(`/admin/gifts/${giftId}?reversed=1`);
    const rows = await app.ctx.db.select().from(donations).where(eq(donations.supporterId, supporter.id));
    expect(rows).toHaveLength(2);
    const reversal = rows.find((r) => r.entry === 'reversal')!;
    expect(reversal).toMatchObject({
      amount: -7000,
      relatedDonationId: giftId,
      channel: 'offline',
      note: '別の支援者の振込でした',
      recordedBy: staffId,
      receivedOn: today(),
      receiptNumber: null,
    });
    expect(rows.reduce((sum, r) => sum + r.amount, 0)).toBe(0);
    expect(
      await app.ctx.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'gift.reverse'), eq(auditLog.targetId, giftId))),
    ).toHaveLength(1);

    const again = await visitor.post(`/admin/gifts/${giftId}/reverse`, { _csrf: token, reason: 'もう一度' });
    expect(again.res.status).toBe(409);
    expect(unescapeHtml(again.html)).toContain('すでに取り消されています');
    const ofReversal = await visitor.post(`/admin/gifts/${reversal.id}/reverse`, { _csrf: token, reason: '取り消しの取り消し' });
    expect(ofReversal.res.status).toBe(409);
    expect(await app.ctx.db.select().from(donations).where(eq(donations.supporterId, supporter.id))).toHaveLength(2);

    const page = await visitor.get(`/admin/gifts/${giftId}`);
    expect(page.html).not.toContain(`action="/admin/gifts/${giftId}/reverse"`);
    expect(page.html).toContain(`/admin/gifts/new?copy=${giftId}`);
  });

  test('when a card gift or an unknown record is to be reversed here, then it is refused with a clear message', async () => {
    const supporter = await addSupporter(app, ['キムラ', 'タク']);
    const card = await app.ctx.db.transaction((tx) =>
      recordGift(tx, {
        supporterId: supporter.id,
        amount: 5000,
        fee: 180,
        method: 'card',
        frequency: 'one_time',
        planAmount: null,
        stripeChargeId: `ch_${crypto.randomUUID()}`,
        receivedAt: new Date(),
        sendReceipt: false,
      }),
    );
    const res = await visitor.post(`/admin/gifts/${card!.id}/reverse`, { _csrf: token, reason: '間違い' });
    expect(res.res.status).toBe(409);
    expect(unescapeHtml(res.html)).toMatch(/data-error-summary[\s\S]*<li>[^<]*Stripeで返金してください/);
    expect(await app.ctx.db.select().from(donations).where(eq(donations.relatedDonationId, card!.id))).toHaveLength(0);
    expect((await visitor.post('/admin/gifts/00000000-0000-4000-8000-000000000000/reverse', { _csrf: token, reason: 'x' })).res.status).toBe(404);
  });

  test('when the route list and other HTTP methods are tried, then nothing edits or deletes a gift', async () => {
    const giftRoutes = adminRouteList(app.ctx).filter((r) => r.path.startsWith('/admin/gifts'));
    expect(giftRoutes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      [
        'get /admin/gifts',
        'get /admin/gifts/new',
        'get /admin/gifts/:id',
        'post /admin/gifts',
        'post /admin/gifts/:id/reverse',
        // Quick actions: none of them edits a ledger row (a refund is booked by Stripe's webhook as a new row).
        'get /admin/gifts/:id/receipt.pdf',
        'post /admin/gifts/:id/send-receipt',
        'get /admin/gifts/:id/refund',
        'post /admin/gifts/:id/refund',
      ].sort(),
    );
    const supporter = await addSupporter(app, ['ハヤシ', 'ミキ']);
    const { location } = await record({ received_on: today(), amount: '4000', method: 'cash', supporter_id: supporter.id });
    const id = giftIdFrom(location)!;
    const [before] = await app.ctx.db.select().from(donations).where(eq(donations.id, id));
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const res = await fetch(`${app.url}/admin/gifts/${id}`, {
        method,
        headers: { cookie: visitor.cookieHeader('/admin'), 'x-csrf-token': token, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'amount=1',
        redirect: 'manual',
      });
      expect({ method, status: res.status }).toEqual({ method, status: 404 });
    }
    for (const path of [`/admin/gifts/${id}`, `/admin/gifts/${id}/edit`, `/admin/gifts/${id}/delete`]) {
      expect((await visitor.post(path, { _csrf: token, amount: '1' })).res.status).toBe(404);
    }
    const [after] = await app.ctx.db.select().from(donations).where(eq(donations.id, id));
    expect(after).toEqual(before);
  });

  test('when the permission table is read, then every role may record gifts; a role without gifts:record gets 403 and the refusal is audited', async () => {
    for (const role of roles) expect({ role, can: roleCan(role, 'gifts:record') }).toEqual({ role, can: true });
    // No role lacks the permission today, so one is taken away for this test only.
    const original = rolePermissions.finance;
    const table = rolePermissions as Record<string, readonly Permission[]>;
    const { visitor: finance, id: financeId } = await signInAs(app, 'finance');
    const financeToken = await finance.csrf('/admin/account');
    table.finance = original.filter((p) => p !== 'gifts:record');
    try {
      const supporter = await addSupporter(app, ['モリ', 'アキ']);
      const before = await countDonations(app);
      expect((await finance.get('/admin/gifts/new')).res.status).toBe(403);
      expect((await finance.get('/admin/gifts')).res.status).toBe(403);
      const posted = await finance.post('/admin/gifts', { _csrf: financeToken, received_on: today(), amount: '1000', method: 'cash', supporter_id: supporter.id });
      expect(posted.res.status).toBe(403);
      expect(await countDonations(app)).toBe(before);
      const denied = await app.ctx.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'access.denied'), eq(auditLog.staffId, financeId)));
      expect(denied.length).toBeGreaterThanOrEqual(3);
    } finally {
      table.finance = original;
    }
    expect((await finance.get('/admin/gifts/new')).res.status).toBe(200);
    const anonymous = Visitor.of(app);
    expect((await anonymous.get('/admin/gifts/new')).res.status).toBe(302);
    const anonToken = await anonymous.csrf('/admin/login');
    expect((await anonymous.post('/admin/gifts', { _csrf: anonToken, amount: '1000' })).res.status).toBe(403);
  });

  test('when the form has no CSRF token, then 403 and nothing is stored', async () => {
    const supporter = await addSupporter(app, ['オカダ', 'ユウ']);
    const before = await countDonations(app);
    const { res } = await visitor.post('/admin/gifts', { received_on: today(), amount: '1000', method: 'cash', supporter_id: supporter.id });
    expect(res.status).toBe(403);
    expect(await countDonations(app)).toBe(before);
  });
});
