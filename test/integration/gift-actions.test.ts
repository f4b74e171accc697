import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { auditLog, donations, emails } from '../../src/db/schema';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { parseMail } from '../../src/dev/mail-sink';
import { joinAndPay } from '../helpers/giving';
import { unescapeHtml, Visitor } from '../helpers/http';
import { signInSupporter } from '../helpers/me';
import { signInAs } from '../helpers/staff';

describe('receipts for any gift and quick actions on the supporter page', () => {
  let app: TestApp;
  let staff: Visitor;
  let finance: Visitor;
  let financeId: string;

  beforeAll(async () => {
    app = await startTestApp();
    ({ visitor: staff } = await signInAs(app, 'staff'));
    ({ visitor: finance, id: financeId } = await signInAs(app, 'finance'));
  });
  afterAll(() => app.stop());

  const formField = (html: string, action: string, name: string) => {
    const form = html.slice(html.indexOf(`action="${action}"`));
    return new RegExp(`name="${name}" value="([^"]*)"`).exec(form)?.[1];
  };

  /** A bank transfer recorded by staff through the console; resolves to its ledger row. */
  async function recordBankGift(supporterId: string, amount = 50000) {
    const token = await staff.csrf('/admin/gifts/new');
    const { location } = await staff.post('/admin/gifts', {
      _csrf: token,
      received_on: '2026-11-30',
      amount: String(amount),
      method: 'bank_transfer',
      payer_name: 'カ）サクラテック',
      supporter_id: supporterId,
    });
    const id = /\/admin\/gifts\/([0-9a-f-]{36})/.exec(location ?? '')![1]!;
    const [gift] = await app.ctx.db.select().from(donations).where(eq(donations.id, id));
    return gift!;
  }

  test('when staff record a bank gift, then it has a receipt PDF for staff and for the supporter on My page, and "send receipt" emails it once per click', async () => {
    const { fields, supporter } = await joinAndPay(app, { plan: '1000' });
    const gift = await recordBankGift(supporter.id);
    expect(gift.receiptNumber).toMatch(/^\d{4}-\d{6}$/);

    const pdf = await staff.get(`/admin/gifts/${gift.id}/receipt.pdf`);
    expect(pdf.res.status).toBe(200);
    expect(pdf.res.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.res.headers.get('content-disposition')).toContain(`receipt-${gift.receiptNumber}.pdf`);
    expect(pdf.html.startsWith('%PDF')).toBe(true);

    const me = await signInSupporter(app, fields.email!);
    const myPage = await me.get('/me');
    expect(myPage.html).toContain(`/me/gifts/${gift.id}/receipt.pdf`);
    expect((await me.get(`/me/gifts/${gift.id}/receipt.pdf`)).res.headers.get('content-type')).toBe('application/pdf');

    // The supporter page lists the gift with its quick actions; the form carries a fresh key each time.
    const page = await staff.get(`/admin/supporters/${supporter.id}`);
    expect(page.html).toContain(`/admin/gifts/${gift.id}/receipt.pdf`);
    const key = formField(page.html, `/admin/gifts/${gift.id}/send-receipt`, 'send_key')!;
    const token = formField(page.html, `/admin/gifts/${gift.id}/send-receipt`, '_csrf')!;
    const send = () => staff.post(`/admin/gifts/${gift.id}/send-receipt`, { _csrf: token, send_key: key, back: 'supporter' });
    const first = await send();
    expect(first.res.status).toBe(303);
    expect(first.location).toBe(`/admin/supporters/${supporter.id}?done=receiptSent#gifts`);
    expect((await send()).res.status).toBe(303); // the same form sent twice: still one email
    const withPdf = await eventually(async () => {
      const mails = await Promise.all(app.mail.messages.filter((m) => m.envelopeTo.includes(fields.email!)).map((m) => parseMail(m.raw)));
      const found = mails.filter((m) => m.attachments.some((a) => a.filename === `receipt-${gift.receiptNumber}.pdf`));
      return found.length ? found : undefined;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(withPdf).toHaveLength(1);
    const queued = await app.ctx.db.select().from(emails).where(eq(emails.supporterId, supporter.id));
    expect(queued.filter((e) => (e.params as { donationId?: string }).donationId === gift.id)).toHaveLength(1);

    // A deliberate resend (a fresh page, a new key) sends again.
    const again = await staff.get(`/admin/supporters/${supporter.id}`);
    const key2 = formField(again.html, `/admin/gifts/${gift.id}/send-receipt`, 'send_key')!;
    expect(key2).not.toBe(key);
    expect((await staff.post(`/admin/gifts/${gift.id}/send-receipt`, { _csrf: token, send_key: key2 })).location).toBe(`/admin/gifts/${gift.id}?receiptSent=1`);
    await eventually(async () => {
      const rows = await app.ctx.db.select().from(emails).where(eq(emails.supporterId, supporter.id));
      return rows.filter((e) => (e.params as { donationId?: string }).donationId === gift.id).length === 2;
    });
    const audits = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'gift.receipt.send'), eq(auditLog.targetId, gift.id)));
    expect(audits).toHaveLength(2);
  });

  test('when send-receipt gets a bad key, a wrong id or no CSRF token, then it answers with a message and queues nothing', async () => {
    const { supporter } = await joinAndPay(app, { plan: '1000' });
    const gift = await recordBankGift(supporter.id, 3000);
    const token = await staff.csrf(`/admin/gifts/${gift.id}`);
    const before = (await app.ctx.db.select().from(emails)).length;
    const badKey = await staff.post(`/admin/gifts/${gift.id}/send-receipt`, { _csrf: token, send_key: 'nope' });
    expect(badKey.res.status).toBe(422);
    expect(unescapeHtml(badKey.html)).toContain('フォームの有効期限が切れました');
    for (const id of ['00000000-0000-4000-8000-000000000000', 'x', '------------------------------------']) {
      expect((await staff.post(`/admin/gifts/${id}/send-receipt`, { _csrf: token, send_key: crypto.randomUUID() })).res.status).toBe(404);
    }
    expect((await staff.post(`/admin/gifts/${gift.id}/send-receipt`, { send_key: crypto.randomUUID() })).res.status).toBe(403);
    expect((await app.ctx.db.select().from(emails)).length).toBe(before);
  });

  test('when finance refunds a card gift with a reason after the confirmation page, then Stripe refunds it, the webhook books it once with the reason, and it is audited', async () => {
    const { supporter, gifts } = await joinAndPay(app, { plan: '5000' });
    const gift = gifts[0]!;
    expect(gift).toMatchObject({ method: 'card', channel: 'stripe' });

    const page = await finance.get(`/admin/supporters/${supporter.id}`);
    expect(page.html).toContain(`/admin/gifts/${gift.id}/refund?back=supporter`);
    const confirm = await finance.get(`/admin/gifts/${gift.id}/refund?back=supporter`);
    expect(confirm.res.status).toBe(200);
    expect(unescapeHtml(confirm.html)).toContain('返金は取り消せません。');
    const token = formField(confirm.html, `/admin/gifts/${gift.id}/refund`, '_csrf')!;

    // No reason: the page again with a message; nothing refunded.
    const empty = await finance.post(`/admin/gifts/${gift.id}/refund`, { _csrf: token, reason: '  ', back: 'supporter' });
    expect(empty.res.status).toBe(422);
    expect(unescapeHtml(empty.html)).toContain('返金の理由を入力してください。');
    expect((await app.stripe.events()).some((e) => e.type === 'charge.refunded' && (e.data.object as { id: string }).id === gift.stripeChargeId)).toBe(false);

    const done = await finance.post(`/admin/gifts/${gift.id}/refund`, { _csrf: token, reason: '二重のお支払いのため（ご本人から連絡）', back: 'supporter' });
    expect(done.res.status).toBe(303);
    expect(done.location).toBe(`/admin/supporters/${supporter.id}?done=refundRequested#gifts`);
    const refunds = await eventually(async () => {
      const rows = await app.ctx.db
        .select()
        .from(donations)
        .where(and(eq(donations.relatedDonationId, gift.id), eq(donations.entry, 'refund')));
      return rows.length ? rows : undefined;
    });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount: -gift.amount, note: '二重のお支払いのため（ご本人から連絡）' });
    const after = await finance.get(`/admin/supporters/${supporter.id}`);
    expect(unescapeHtml(after.html)).toContain('二重のお支払いのため（ご本人から連絡）');
    expect(after.html).not.toContain(`/admin/gifts/${gift.id}/refund`);
    const [audit] = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'gift.refund'), eq(auditLog.targetId, gift.id)));
    expect(audit).toMatchObject({ staffId: financeId, detail: expect.objectContaining({ reason: '二重のお支払いのため（ご本人から連絡）' }) });

    // Refunding again: a clear message, nothing changed in Stripe or the ledger.
    const twice = await finance.post(`/admin/gifts/${gift.id}/refund`, { _csrf: token, reason: 'もう一度' });
    expect(twice.res.status).toBe(409);
    expect(unescapeHtml(twice.html)).toContain('この寄付はすでに返金されています');
    expect((await finance.get(`/admin/gifts/${gift.id}/refund`)).res.status).toBe(409);
    await new Promise((r) => setTimeout(r, 500));
    const stillOne = await app.ctx.db.select().from(donations).where(eq(donations.relatedDonationId, gift.id));
    expect(stillOne).toHaveLength(1);
  });

  test('when a refund is asked for a bank gift, a wrong id, by the staff role or without CSRF, then it is refused and nothing changes', async () => {
    const { supporter, gifts } = await joinAndPay(app, { plan: '1000' });
    const bank = await recordBankGift(supporter.id, 7000);
    const token = await finance.csrf(`/admin/gifts/${bank.id}`);
    const notCard = await finance.post(`/admin/gifts/${bank.id}/refund`, { _csrf: token, reason: '理由' });
    expect(notCard.res.status).toBe(409);
    expect(unescapeHtml(notCard.html)).toContain('返金できるのはStripeで受け取ったカードの寄付だけです');
    expect((await finance.get(`/admin/gifts/${bank.id}/refund`)).res.status).toBe(409);
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope', '------------------------------------']) {
      expect((await finance.post(`/admin/gifts/${id}/refund`, { _csrf: token, reason: '理由' })).res.status).toBe(404);
      expect((await finance.get(`/admin/gifts/${id}/refund`)).res.status).toBe(404);
    }
    const staffToken = await staff.csrf(`/admin/gifts/${gifts[0]!.id}`);
    expect((await staff.get(`/admin/gifts/${gifts[0]!.id}/refund`)).res.status).toBe(403);
    expect((await staff.post(`/admin/gifts/${gifts[0]!.id}/refund`, { _csrf: staffToken, reason: '理由' })).res.status).toBe(403);
    expect((await staff.get(`/admin/supporters/${supporter.id}`)).html).not.toContain('/refund');
    expect((await finance.post(`/admin/gifts/${gifts[0]!.id}/refund`, { reason: '理由' })).res.status).toBe(403);
    await new Promise((r) => setTimeout(r, 300));
    expect(await app.ctx.db.select().from(donations).where(eq(donations.relatedDonationId, gifts[0]!.id))).toHaveLength(0);
  });

  test('when staff send a sign-in link from the supporter page, then the supporter gets the /me login email and it is audited', async () => {
    const { fields, supporter } = await joinAndPay(app, { plan: '1000' });
    const page = await staff.get(`/admin/supporters/${supporter.id}`);
    const token = formField(page.html, `/admin/supporters/${supporter.id}/sign-in-link`, '_csrf')!;
    const before = app.mail.messages.length;
    const sent = await staff.post(`/admin/supporters/${supporter.id}/sign-in-link`, { _csrf: token });
    expect(sent.location).toBe(`/admin/supporters/${supporter.id}?done=signInLink`);
    const link = await eventually(async () => {
      for (const m of app.mail.messages.slice(before)) {
        if (!m.envelopeTo.includes(fields.email!)) continue;
        const found = /https?:\/\/\S+\/me\/link\/[\w-]{43}/.exec(m.raw.toString('utf8').replace(/=\r?\n/g, ''))?.[0];
        if (found) return found;
      }
      return undefined;
    }, 20_000);
    expect(link).toContain('/me/link/');
    const audits = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'supporter.sign_in_link'), eq(auditLog.targetId, supporter.id)));
    expect(audits).toHaveLength(1);
    expect((await staff.post(`/admin/supporters/00000000-0000-4000-8000-000000000000/sign-in-link`, { _csrf: token })).res.status).toBe(404);
    expect((await staff.post(`/admin/supporters/${supporter.id}/sign-in-link`, {})).res.status).toBe(403);
  });
});
