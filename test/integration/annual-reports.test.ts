import { and, eq, sql } from 'drizzle-orm';
import { annualReceipts, annualReports, donations, newsletterDeliveries, supporters } from '../../src/db/schema';
import { parseMail } from '../../src/dev/mail-sink';
import { givingInYear, prepareDraft, startReportSend } from '../../src/features/annual-reports';
import { runJob } from '../../jobs/worker';
import { schedules } from '../../jobs/schedules';
import { emails, newsletters } from '../../src/db/schema';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { insertGivers } from '../helpers/annual';
import { unescapeHtml, Visitor } from '../helpers/http';
import { signInSupporter } from '../helpers/me';
import { setMessagesPerSecond, waitForStatus } from '../helpers/newsletters';
import { pdfText, pdfToPng } from '../helpers/pdf';
import { signInAs } from '../helpers/staff';
import { setClock } from '../../src/lib/clock';
import { tokyoDay } from '../../src/lib/dates';

const jst = (local: string) => new Date(`${local}+09:00`);
// These tests live in mid-2026 on the app's clock (the 2025 report is due, 2026 is not over yet);
// the year-end tests move it to the edges.
const TODAY = jst('2026-06-15T10:00:00');

describe('annual impact report and combined receipts', () => {
  let app: TestApp;
  let staff: Visitor;
  let token: string;
  // 田中: a monthly giver of 2025 with a refund, an offline gift and gifts on both sides of New Year in Japan.
  let tanaka: typeof supporters.$inferSelect;
  let english: typeof supporters.$inferSelect;
  let noAddress: typeof supporters.$inferSelect;

  const gift = (supporterId: string, at: Date, values: Partial<typeof donations.$inferInsert> = {}) => ({
    supporterId,
    entry: 'gift' as const,
    amount: 1000,
    method: 'card',
    frequency: 'monthly' as const,
    planAmount: 1000,
    channel: 'stripe' as const,
    receivedAt: at,
    receivedOn: tokyoDay(at),
    ...values,
  });

  beforeEach(() => setClock(TODAY));
  afterAll(() => setClock());

  beforeAll(async () => {
    setClock(TODAY);
    app = await startTestApp();
    await setMessagesPerSecond(app.ctx, 200);
    ({ visitor: staff } = await signInAs(app, 'staff'));
    token = await staff.csrf('/admin/annual-reports');
    const person = (email: string, values: Partial<typeof supporters.$inferInsert>) => ({ email, emailNormalized: email, familyName: '', givenName: '', ...values });
    const inserted = await app.ctx.db
      .insert(supporters)
      .values([
        // No newsletter consent: the report still comes, it carries the receipt.
        person('tanaka@example.jp', {
          familyName: '田中',
          givenName: '美咲',
          familyNameKana: 'タナカ',
          givenNameKana: 'ミサキ',
          postalCode: '1500001',
          prefecture: '東京都',
          address: '渋谷区神宮前1-2-3',
          newsletter: false,
        }),
        person('amina@example.jp', { familyName: 'Hassan', givenName: 'Amina', locale: 'en', postalCode: '5300001', prefecture: '大阪府', address: '大阪市北区梅田1-1' }),
        person('noaddress@example.jp', { familyName: '佐藤', givenName: '健' }),
      ])
      .returning();
    [tanaka, english, noAddress] = inserted as [typeof supporters.$inferSelect, typeof supporters.$inferSelect, typeof supporters.$inferSelect];
    const monthly = Array.from({ length: 11 }, (_, i) => gift(tanaka!.id, jst(`2025-${String(i + 1).padStart(2, '0')}-10T12:00:00`)));
    const [refunded] = await app.ctx.db
      .insert(donations)
      .values(gift(tanaka!.id, jst('2025-06-01T10:00:00'), { frequency: 'one_time', planAmount: null, amount: 5000 }))
      .returning();
    await app.ctx.db.insert(donations).values([
      ...monthly,
      // 23:30 on New Year's Eve in Japan is still 2025 (14:30 UTC); 00:10 on 1 January is 2026.
      gift(tanaka!.id, jst('2025-12-31T23:30:00')),
      gift(tanaka!.id, jst('2026-01-01T00:10:00')),
      { ...gift(tanaka!.id, jst('2025-06-05T10:00:00')), entry: 'refund', amount: -2000, frequency: 'one_time', planAmount: null, relatedDonationId: refunded!.id },
      gift(tanaka!.id, jst('2025-08-20T00:00:00'), { method: 'bank_transfer', channel: 'offline', frequency: 'one_time', planAmount: null, amount: 30000 }),
      gift(english!.id, jst('2025-03-03T09:00:00'), { frequency: 'one_time', planAmount: null, amount: 10000 }),
      gift(noAddress!.id, jst('2025-04-04T09:00:00'), { frequency: 'one_time', planAmount: null, amount: 3000 }),
      // Gave only in 2024: not a recipient of the 2025 report.
      gift(english!.id, jst('2024-12-31T23:59:00'), { frequency: 'one_time', planAmount: null, amount: 7777 }),
    ]);
  });
  afterAll(() => app.stop());

  test('when a year is totalled, then it matches the ledger in Japan time, refunds and offline gifts included', async () => {
    const y2025 = await givingInYear(app.ctx.db, tanaka.id, 2025);
    // 12 monthly gifts (11 + New Year's Eve) + 5,000 − 2,000 refunded + 30,000 offline.
    expect(y2025.total).toBe(12 * 1000 + 5000 - 2000 + 30000);
    expect(y2025.giftCount).toBe(14);
    expect(y2025.monthlyMonths).toBe(12);
    const [ledger] = await app.ctx.db
      .select({ sum: sql<string>`sum(amount)::text` })
      .from(donations)
      .where(and(eq(donations.supporterId, tanaka.id), sql`received_at >= '2025-01-01T00:00:00+09:00' AND received_at < '2026-01-01T00:00:00+09:00'`));
    expect(y2025.total).toBe(Number(ledger!.sum));
    expect((await givingInYear(app.ctx.db, tanaka.id, 2026)).total).toBe(1000);
    expect((await givingInYear(app.ctx.db, english.id, 2024)).total).toBe(7777);
  });

  test("when staff prepare the year, then the draft holds the organisation's published figures and the page lists who will receive it", async () => {
    const res = await staff.post('/admin/annual-reports', { year: '2025', _csrf: token });
    expect(res.res.status).toBe(303);
    expect(res.location).toBe('/admin/annual-reports/2025?prepared=1');
    const page = await staff.get('/admin/annual-reports/2025');
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('value="繋がってきた難民の数"');
    expect(page.html).toContain('value="450"');
    expect(page.html).toMatch(/data-recipient-count="3"/);
  });

  test.each([
    ['a value that is not a number', { value: ['たくさん'] }, 'value-1', '数値は0以上の整数で入力してください'],
    ['a negative value', { value: ['-3'] }, 'value-1', '数値は0以上の整数で入力してください'],
    ['a label missing', { labelJa: [''] }, 'labelJa-1', '1行目のラベル（日本語）を入力してください'],
    ['a label with a line break', { labelJa: ['二行\nの見出し'] }, 'labelJa-1', '1行で入力してください'],
    ['a huge narrative', { narrativeJa: 'あ'.repeat(5001) }, 'narrativeJa', '5,000文字以内'],
    ['a control character', { narrativeJa: 'ok\u0007' }, 'narrativeJa', '使えない文字'],
  ] as const)('when the form has %s, then it is refused with the field named and nothing changes', async (_label, change, field, message) => {
    const before = (await app.ctx.db.select().from(annualReports).where(eq(annualReports.year, 2025)))[0]!;
    const form = { labelJa: ['採用された人'], labelEn: ['People hired'], value: ['37'], narrativeJa: '本文', narrativeEn: '', _csrf: token, ...change };
    const res = await staff.post('/admin/annual-reports/2025', form as Record<string, string | string[]>);
    expect(res.res.status).toBe(422);
    expect(res.html).toContain(`href="#${field}"`);
    expect(unescapeHtml(res.html)).toContain(message);
    const after = (await app.ctx.db.select().from(annualReports).where(eq(annualReports.year, 2025)))[0]!;
    expect(after.updatedAt).toEqual(before.updatedAt);
  });

  test('when the year is in the future, malformed, or the form has no CSRF token, then nothing is made', async () => {
    expect((await staff.post('/admin/annual-reports', { year: '2031', _csrf: token })).res.status).toBe(422);
    expect((await staff.post('/admin/annual-reports', { year: "2025' OR 1=1", _csrf: token })).res.status).toBe(422);
    expect((await staff.get('/admin/annual-reports/2031')).res.status).toBe(422);
    expect((await staff.get('/admin/annual-reports/abcd')).res.status).toBe(404);
    expect((await staff.post('/admin/annual-reports', { year: '2024' })).res.status).toBe(403);
    expect(await app.ctx.db.select().from(annualReports).where(eq(annualReports.year, 2031))).toHaveLength(0);
    expect(await app.ctx.db.select().from(annualReports).where(eq(annualReports.year, 2024))).toHaveLength(0);
  });

  test('when staff save figures and a narrative with HTML in it, then the preview shows them for a chosen supporter, escaped and sanitised, and issues no receipt', async () => {
    const saved = await staff.post('/admin/annual-reports/2025', {
      labelJa: ['繋がってきた難民の数', '専門性を活かした仕事への就職人数', '在留資格変更人数', ''],
      labelEn: ['Refugees we have met', 'People hired into work that uses their skills', 'Changes of residence status <b>', ''],
      value: ['1,234', '４２', '13', ''],
      narrativeJa: '今年も**ありがとうございました**。<script>alert(1)</script><img src=x onerror="alert(2)">',
      narrativeEn: 'Thank you for **this year**.',
      _csrf: token,
    });
    expect(saved.res.status).toBe(303);
    const [report] = await app.ctx.db.select().from(annualReports).where(eq(annualReports.year, 2025));
    expect(report!.figures.map((f) => f.value)).toEqual([1234, 42, 13]);

    const preview = await staff.get(`/admin/annual-reports/2025/preview?supporter=${encodeURIComponent('tanaka@example.jp')}`);
    expect(preview.res.status).toBe(200);
    const email = await staff.get(`/admin/annual-reports/2025/preview/email?supporter=${tanaka.id}`);
    expect(email.res.headers.get('content-security-policy')).toMatch(/^default-src 'none';.*sandbox/);
    expect(email.html).toContain('田中 美咲');
    expect(email.html).toContain('<strong>ありがとうございました</strong>');
    expect(email.html).not.toContain('<script');
    expect(email.html).not.toMatch(/<[^>]*onerror/); // shown as text at most, never as an attribute
    expect(email.html).toContain('1,234');
    const en = await staff.get(`/admin/annual-reports/2025/preview/email?supporter=${english.id}`);
    expect(en.html).toContain('Changes of residence status &lt;b&gt;');
    expect(en.html).toContain('<strong>this year</strong>');
    const pdf = await fetch(`${app.url}/admin/annual-reports/2025/preview/receipt.pdf?supporter=${tanaka.id}`, { headers: { cookie: staff.cookieHeader('/admin') } });
    expect(pdf.status).toBe(200);
    expect(pdfText(Buffer.from(await pdf.arrayBuffer()))).toContain('見本');
    expect(await app.ctx.db.select().from(annualReceipts)).toHaveLength(0);
    expect((await staff.get('/admin/annual-reports/2025/preview?supporter=nobody@example.jp')).res.status).toBe(404);
  });

  test('when the current year is sent, then it is refused until the year is over', async () => {
    await prepareDraft(app.ctx.db, 2026, null);
    const res = await staff.post('/admin/annual-reports/2026/send', { confirm: 'on', _csrf: token });
    expect(res.res.status).toBe(409);
    expect((await app.ctx.db.select().from(annualReports).where(eq(annualReports.year, 2026)))[0]!.newsletterId).toBeNull();
  });

  test('when it is 31 December 23:59 in Japan, then the year is not over yet; at 00:00 on 1 January it is, and the next year cannot be prepared', async () => {
    await prepareDraft(app.ctx.db, 2026, null);
    const page = async () => (await staff.get('/admin/annual-reports/2026')).html;
    const sendLink = 'href="/admin/annual-reports/2026/send"';
    setClock(jst('2026-12-31T23:59:00'));
    expect(await page()).not.toContain(sendLink);
    expect((await staff.post('/admin/annual-reports/2026/send', { confirm: 'on', _csrf: token })).res.status).toBe(409);
    expect((await staff.post('/admin/annual-reports', { year: '2027', _csrf: token })).res.status).toBe(422);
    setClock(jst('2027-01-01T00:00:00'));
    expect(await page()).toContain(sendLink);
    expect((await staff.post('/admin/annual-reports', { year: '2028', _csrf: token })).res.status).toBe(422);
    expect(await app.ctx.db.select().from(annualReports).where(eq(annualReports.year, 2028))).toHaveLength(0);
  });

  test('when staff send the report, then each giver gets exactly one email in their language with their year and a combined receipt, and sending again sends nothing', async () => {
    const unconfirmed = await staff.post('/admin/annual-reports/2025/send', { _csrf: token });
    expect(unconfirmed.res.status).toBe(422);
    expect(unconfirmed.html).toContain('href="#confirm"');
    expect((await app.ctx.db.select().from(annualReports).where(eq(annualReports.year, 2025)))[0]!.newsletterId).toBeNull();
    const before = app.mail.messages.length;
    const started = await staff.post('/admin/annual-reports/2025/send', { confirm: 'on', _csrf: token });
    expect(started.res.status).toBe(303);
    const [report] = await app.ctx.db.select().from(annualReports).where(eq(annualReports.year, 2025));
    expect(started.location).toBe(`/admin/newsletters/${report!.newsletterId}?started=1`);
    await waitForStatus(app.ctx.db, report!.newsletterId!, 'sent', 60_000);

    const received = app.mail.messages.slice(before);
    const to = (email: string) => received.filter((m) => m.envelopeTo.includes(email));
    expect(received).toHaveLength(3);
    const [mine] = to('tanaka@example.jp');
    const mail = await parseMail(mine!.raw);
    expect(mail.subject).toBe('2025年の活動報告と合計領収書 ― WELgeeファミリーのみなさまへ');
    expect(mail.text).toContain('￥45,000');
    expect(mail.text).toContain('14回');
    expect(mail.text).toContain('12か月');
    const [receipt] = await app.ctx.db.select().from(annualReceipts).where(eq(annualReceipts.supporterId, tanaka.id));
    expect(receipt!.number).toMatch(/^A2025-\d{5}$/);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.filename).toBe(`combined-receipt-${receipt!.number}.pdf`);
    const pdf = Buffer.from(mail.attachments[0]!.content as ArrayBuffer);
    const text = pdfText(pdf);
    expect(text).toContain('田中 美咲');
    expect(text).toContain('45,000');
    expect(text).toContain(receipt!.number);
    expect(text).toContain('渋谷区神宮前1-2-3');
    pdfToPng(pdf, 'annual-receipt-ja');

    const amina = await parseMail(to('amina@example.jp')[0]!.raw);
    expect(amina.subject).toBe('Your 2025 with WELgee: our report and your combined receipt');
    expect(amina.text).toContain('Refugees we have met');
    expect(pdfText(Buffer.from(amina.attachments[0]!.content as ArrayBuffer))).not.toContain('7,777');

    // Without an address the receipt still renders, leaving the address out.
    const sato = await parseMail(to('noaddress@example.jp')[0]!.raw);
    const satoText = pdfText(Buffer.from(sato.attachments[0]!.content as ArrayBuffer));
    expect(satoText).toContain('佐藤 健');
    // (The issuer's own address, under 発行者, has one.)
    expect(satoText.split('発行者')[0]).not.toContain('〒');

    // Every receipt number is its own; sending again finds the send and starts nothing.
    const numbers = (await app.ctx.db.select().from(annualReceipts)).map((r) => r.number);
    expect(new Set(numbers).size).toBe(3);
    const again = await staff.post('/admin/annual-reports/2025/send', { confirm: 'on', _csrf: token });
    expect(again.res.status).toBe(409);
    expect(await startReportSend(app.ctx.db, 2025, (await signInAs(app, 'admin')).id)).toEqual({ ok: false, problem: 'alreadyStarted' });
    const rows = await app.ctx.db.select().from(newsletterDeliveries).where(eq(newsletterDeliveries.newsletterId, report!.newsletterId!));
    expect(rows).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 500));
    expect(app.mail.messages.length - before).toBe(3);
    // The page no longer lets the content change.
    const locked = await staff.post('/admin/annual-reports/2025', { labelJa: ['x'], labelEn: [''], value: ['1'], narrativeJa: '変更', _csrf: token });
    expect(locked.res.status).toBe(409);
  });

  test("when a supporter opens My page, then the combined receipt is there with the emailed number; another year or another supporter's is not", async () => {
    const visitor = await signInSupporter(app, 'tanaka@example.jp');
    const page = await visitor.get('/me');
    expect(page.html).toContain('/me/annual-receipts/2025.pdf');
    const [receipt] = await app.ctx.db.select().from(annualReceipts).where(eq(annualReceipts.supporterId, tanaka.id));
    const res = await fetch(`${app.url}/me/annual-receipts/2025.pdf`, { headers: { cookie: visitor.cookieHeader('/me') } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(receipt!.number);
    expect(pdfText(Buffer.from(await res.arrayBuffer()))).toContain(receipt!.number);
    for (const path of ['/me/annual-receipts/2024.pdf', '/me/annual-receipts/2026.pdf', '/me/annual-receipts/..%2F2025.pdf', '/me/annual-receipts/2025.pdf.exe']) {
      expect((await visitor.get(path)).res.status).toBe(404);
    }
    expect((await Visitor.of(app).get('/me/annual-receipts/2025.pdf')).res.status).toBe(302);
  });

  test('when staff reissue a receipt, then it gets a new number, the old one is void, and My page gives the new one', async () => {
    const [old] = await app.ctx.db
      .select()
      .from(annualReceipts)
      .where(and(eq(annualReceipts.supporterId, tanaka.id), eq(annualReceipts.status, 'valid')));
    const res = await staff.post('/admin/annual-reports/2025/reissue', { supporter: 'tanaka@example.jp', _csrf: token });
    expect(res.res.status).toBe(303);
    const rows = await app.ctx.db.select().from(annualReceipts).where(eq(annualReceipts.supporterId, tanaka.id));
    const fresh = rows.find((r) => r.status === 'valid')!;
    expect(rows.find((r) => r.id === old!.id)!.status).toBe('void');
    expect(fresh.number).not.toBe(old!.number);
    expect(fresh.replacesId).toBe(old!.id);
    expect(res.location).toContain(encodeURIComponent(fresh.number));
    const visitor = await signInSupporter(app, 'tanaka@example.jp');
    const pdf = await fetch(`${app.url}/me/annual-receipts/2025.pdf`, { headers: { cookie: visitor.cookieHeader('/me') } });
    const text = pdfText(Buffer.from(await pdf.arrayBuffer()));
    expect(text).toContain(fresh.number);
    expect(text).toContain(old!.number); // named as the receipt it replaces
    expect((await staff.post('/admin/annual-reports/2025/reissue', { supporter: 'nobody@example.jp', _csrf: token })).res.status).toBe(404);
  });

  test('when the report goes to many givers, then the send is one row per giver, each bounced or erased address skipped', async () => {
    const people = await insertGivers(app.ctx.db, { count: 40, tag: 'many-2023', year: 2023, months: 2, mix: true });
    await prepareDraft(app.ctx.db, 2023, null);
    const admin = await signInAs(app, 'admin');
    const outcome = await startReportSend(app.ctx.db, 2023, admin.id);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    // Bounced and erased supporters are never written; no consent is no obstacle for a receipt.
    const reachable = people.filter((p, i) => !((i + 1) % 10 === 1 || (i + 1) % 10 === 2));
    expect(outcome.recipients).toBe(reachable.length);
    await waitForStatus(app.ctx.db, outcome.newsletterId, 'sent', 60_000);
    await eventually(async () => (await app.ctx.db.select().from(annualReceipts).where(eq(annualReceipts.year, 2023))).length === reachable.length || undefined);
  });

  test('when the January schedule runs, then the year before gets a draft, report staff are told once, and nothing goes to supporters', async () => {
    expect(schedules.find((x) => x.job === 'prepare-annual-report')).toMatchObject({ pattern: '0 9 5 1 *' });
    await insertGivers(app.ctx.db, { count: 3, tag: 'january-2022', year: 2022 });
    const sendsBefore = (await app.ctx.db.select().from(newsletters)).length;
    await runJob('prepare-annual-report', { year: 2022 }, app.ctx);
    await runJob('prepare-annual-report', { year: 2022 }, app.ctx);
    const [draft] = await app.ctx.db.select().from(annualReports).where(eq(annualReports.year, 2022));
    expect(draft!.newsletterId).toBeNull();
    expect(draft!.preparedBy).toBeNull();
    expect(draft!.figures.length).toBeGreaterThan(0);
    const told = await app.ctx.db.select().from(emails).where(eq(emails.template, 'annual-report-draft'));
    const staffCount = Number(
      ((await app.ctx.db.execute(sql`SELECT count(*)::int AS n FROM staff WHERE is_active AND role IN ('admin', 'staff')`)) as unknown as { rows: { n: number }[] }).rows[0]!.n,
    );
    expect(told).toHaveLength(staffCount);
    expect((await app.ctx.db.select().from(newsletters)).length).toBe(sendsBefore);
  });

  test('when the January schedule runs without a year on 5 January in Japan, then it drafts the year that just ended', async () => {
    setClock(jst('2028-01-05T09:00:00'));
    await runJob('prepare-annual-report', {}, app.ctx);
    expect(await app.ctx.db.select().from(annualReports).where(eq(annualReports.year, 2027))).toHaveLength(1);
    expect(await app.ctx.db.select().from(annualReports).where(eq(annualReports.year, 2028))).toHaveLength(0);
  });
});
