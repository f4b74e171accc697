import crypto from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { runJob } from '../../jobs/worker';
import { auditLog, donations, emails, reconciliationRuns, stripeEvents, supporters } from '../../src/db/schema';
import { runReconciliation } from '../../src/features/reconciliation';
import { tokyoDay } from '../../src/lib/dates';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { CARD_OK, giftRowsOf, giftsOf, joinAndPay, mailTo } from '../helpers/giving';
import { unescapeHtml, Visitor } from '../helpers/http';
import { signInAs } from '../helpers/staff';

type Run = typeof reconciliationRuns.$inferSelect;

describe('reconciliation of Stripe with the donation ledger', () => {
  let app: TestApp;
  let finance: { visitor: Visitor; email: string; id: string };
  let admin: { visitor: Visitor; email: string; id: string };
  let token: string;

  beforeAll(async () => {
    app = await startTestApp();
    finance = await signInAs(app, 'finance');
    admin = await signInAs(app, 'admin');
    token = await finance.visitor.csrf('/admin/reconciliation');
  });
  afterAll(() => app.stop());

  const latestRun = async (): Promise<Run | undefined> => (await app.ctx.db.select().from(reconciliationRuns).orderBy(desc(reconciliationRuns.startedAt)).limit(1))[0];
  const mismatchEmails = () => app.ctx.db.select().from(emails).where(eq(emails.template, 'reconciliation-mismatch'));
  const page = async () => {
    const { res, html } = await finance.visitor.get('/admin/reconciliation');
    expect(res.status).toBe(200);
    return unescapeHtml(html);
  };

  /** Presses "Run now" and waits for the app's worker to finish the run. */
  async function runNow(): Promise<Run> {
    const { res, location } = await finance.visitor.post('/admin/reconciliation', { _csrf: token });
    expect(res.status).toBe(303);
    expect(location).toBe('/admin/reconciliation?started=1');
    const started = await latestRun();
    expect(started).toMatchObject({ trigger: 'staff', requestedBy: finance.id });
    return eventually(async () => {
      const [run] = await app.ctx.db.select().from(reconciliationRuns).where(eq(reconciliationRuns.id, started!.id));
      return run && run.status !== 'running' ? run : undefined;
    }, 30_000);
  }

  /** A one-time gift through /give and Checkout; resolves once it is in the ledger. */
  async function giveOnce(amount: number) {
    const giver = Visitor.from(app);
    const csrf = await giver.csrf('/give');
    const email = `once-${crypto.randomUUID()}@example.jp`;
    const { location } = await giver.post('/give', {
      _csrf: csrf,
      amount: 'other',
      custom_amount: String(amount),
      email,
      family_name: 'Smith',
      given_name: 'Jane',
      locale: 'en',
      privacy: 'on',
    });
    const sessionId = /\/(cs_\w+)/.exec(location!)![1]!;
    expect((await app.stripe.payCheckoutSession(sessionId, CARD_OK)).ok).toBe(true);
    return eventually(async () => {
      const [supporter] = await app.ctx.db.select().from(supporters).where(eq(supporters.email, email));
      const [gift] = supporter ? await giftRowsOf(app, supporter.id) : [];
      return gift ? { supporter: supporter!, gift, sessionId } : undefined;
    });
  }

  test('when no run exists yet, then the page explains the comparison and offers to run it, and finance sees it in the menu', async () => {
    const html = await page();
    expect(html).toContain('まだ照合したことがありません');
    expect(html).toContain('action="/admin/reconciliation"');
    expect(html).not.toContain('/replay');
    expect(html).toContain('href="/admin/reconciliation">Stripe照合</a>');
    const en = unescapeHtml((await finance.visitor.get('/admin/reconciliation?lang=en')).html);
    expect(en).toContain('Nothing has been reconciled yet');
    await finance.visitor.get('/admin/reconciliation?lang=ja');
  });

  test('when monthly and one-time gifts and a partial refund are all in the ledger, then the run matches and nobody is emailed', async () => {
    await joinAndPay(app, { plan: '1000' });
    await joinAndPay(app, { plan: '5000' });
    const large = await joinAndPay(app, { plan: '10000' });
    await giveOnce(3000);
    await app.ctx.stripe.stripe.refunds.create({ charge: large.gifts[0]!.stripeChargeId!, amount: 4000 });
    await eventually(async () => (await giftsOf(app, large.supporter.id)).some((d) => d.entry === 'refund'));

    const run = await runNow();
    expect(run.status).toBe('matched');
    // Three monthly gifts are three invoices and three charges on Stripe, but three ledger rows.
    expect(run.checked).toEqual({ charges: 4, invoices: 3, refunds: 1, disputes: 0, ledgerRows: 5 });
    expect(run.findings).toEqual([]);
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(run.windowEnd.getTime() - run.windowStart.getTime()).toBe(35 * 24 * 3600 * 1000);
    expect(await mismatchEmails()).toHaveLength(0);

    const html = await page();
    expect(html).toContain('差異はありません');
    expect(html).toContain('import-status--recorded">一致');
  });

  test('when a monthly and a one-time gift are deleted from the ledger, then each is found missing once, finance is emailed once, and replaying twice restores exactly one row each', async () => {
    const monthly = await joinAndPay(app, { plan: '5000' });
    const once = await giveOnce(2500);
    const monthlyGift = monthly.gifts[0]!;
    await app.ctx.db.delete(donations).where(eq(donations.id, monthlyGift.id));
    await app.ctx.db.delete(donations).where(eq(donations.id, once.gift.id));
    // The one-time gift's webhook as if it never arrived: the replay must store it, not only reopen it.
    await app.ctx.db.delete(stripeEvents).where(eq(stripeEvents.objectId, once.sessionId));

    const run = await runNow();
    expect(run.status).toBe('mismatched');
    expect(run.findings).toHaveLength(2);
    expect(run.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'missing_in_ledger', object: 'invoice', stripeId: monthlyGift.stripeInvoiceId, stripeAmount: 5000 }),
        expect.objectContaining({ kind: 'missing_in_ledger', object: 'charge', stripeId: once.gift.stripeChargeId, stripeAmount: 2500 }),
      ]),
    );
    // The monthly gift's charge is the invoice's payment: not reported a second time.
    expect(run.findings.some((f) => f.stripeId === monthlyGift.stripeChargeId)).toBe(false);

    const [mail] = await mailTo(app, finance.email, 1);
    expect(mail!.subject).toContain('差異が2件');
    expect(mail!.text).toContain('台帳にない（Stripeにはある）: 2件');
    expect(mail!.text).toContain(`${app.url}/admin/reconciliation`);
    const written = await mismatchEmails();
    expect(written.map((e) => e.toAddress)).toEqual([finance.email]);
    expect(written[0]!.dedupeKey).toBe(`reconciliation-mismatch:${run.id}:${finance.id}`);
    expect(written.some((e) => e.toAddress === admin.email)).toBe(false);

    const html = await page();
    expect(html).toContain(`href="https://dashboard.stripe.com/test/invoices/${monthlyGift.stripeInvoiceId}"`);
    expect(html).toContain(`href="https://dashboard.stripe.com/test/payments/${once.gift.stripeChargeId}"`);
    expect(html).toContain(`action="/admin/reconciliation/${run.id}/replay"`);
    expect(html).toContain('台帳にないイベントを再実行する');

    const replay = async (n: number) => {
      const { res, location } = await finance.visitor.post(`/admin/reconciliation/${run.id}/replay`, { _csrf: token, confirm: 'on' });
      expect(res.status).toBe(303);
      expect(location).toBe('/admin/reconciliation?replayed=1');
      await eventually(async () => {
        const done = await app.ctx.db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.action, 'reconciliation.replayed'), eq(auditLog.targetId, run.id)));
        return done.length === n;
      }, 30_000);
      await eventually(async () => {
        const waiting = await app.ctx.db
          .select({ n: sql<number>`count(*)`.mapWith(Number) })
          .from(stripeEvents)
          .where(sql`${stripeEvents.processedAt} is null`);
        return waiting[0]!.n === 0;
      }, 30_000);
    };
    await replay(1);
    const restoredMonthly = await giftRowsOf(app, monthly.supporter.id);
    expect(restoredMonthly.map((g) => [g.stripeInvoiceId, g.stripeChargeId, g.amount])).toEqual([[monthlyGift.stripeInvoiceId, monthlyGift.stripeChargeId, 5000]]);
    const restoredOnce = await giftRowsOf(app, once.supporter.id);
    expect(restoredOnce.map((g) => [g.stripeChargeId, g.amount])).toEqual([[once.gift.stripeChargeId, 2500]]);
    expect(await app.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.objectId, once.sessionId))).toHaveLength(1);

    await replay(2);
    expect(await giftRowsOf(app, monthly.supporter.id)).toHaveLength(1);
    expect(await giftRowsOf(app, once.supporter.id)).toHaveLength(1);

    const [after] = await app.ctx.db.select().from(reconciliationRuns).where(eq(reconciliationRuns.id, run.id));
    expect(after!.replayedBy).toBe(finance.id);
    expect(after!.replayedAt).toBeInstanceOf(Date);
    const audited = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'reconciliation.replay'), eq(auditLog.targetId, run.id)));
    expect(audited.map((a) => a.staffId)).toEqual([finance.id, finance.id]);

    // Stripe and the ledger agree again; only the one mismatch was ever mailed.
    expect((await runNow()).status).toBe('matched');
    expect(await mismatchEmails()).toHaveLength(1);
    expect(app.mail.messages.filter((m) => m.envelopeTo.includes(finance.email))).toHaveLength(1);
  });

  test('when the ledger has a charge Stripe does not have and a gift of another amount, then missing_in_stripe and amount_differs are found and linked', async () => {
    const { supporter, gift } = await giveOnce(3000);
    const ghostCharge = `ch_${crypto.randomBytes(12).toString('hex')}`;
    const now = new Date();
    const [ghost] = await app.ctx.db
      .insert(donations)
      .values({
        supporterId: supporter.id,
        entry: 'gift',
        amount: 7000,
        method: 'card',
        frequency: 'one_time',
        stripeChargeId: ghostCharge,
        receivedAt: now,
        receivedOn: tokyoDay(now),
        channel: 'stripe',
      })
      .returning();
    await app.ctx.db.update(donations).set({ amount: 3500 }).where(eq(donations.id, gift.id));
    try {
      const run = await runNow();
      expect(run.status).toBe('mismatched');
      expect(run.findings).toHaveLength(2);
      expect(run.findings).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'missing_in_stripe', object: 'charge', stripeId: ghostCharge, donationId: ghost!.id, supporterId: supporter.id, ledgerAmount: 7000 }),
          expect.objectContaining({ kind: 'amount_differs', object: 'charge', stripeId: gift.stripeChargeId, donationId: gift.id, stripeAmount: 3000, ledgerAmount: 3500 }),
        ]),
      );
      const html = await page();
      expect(html).toContain(`href="/admin/supporters/${supporter.id}"`);
      expect(html).toContain(ghostCharge);
      expect(html).toContain('Stripeにない');
      expect(html).toContain('金額が違う');
      // Nothing is missing from the ledger: no replay offered, and asking for one is refused.
      expect(html).not.toContain(`/admin/reconciliation/${run.id}/replay`);
      const refused = await finance.visitor.post(`/admin/reconciliation/${run.id}/replay`, { _csrf: token, confirm: 'on' });
      expect(refused.res.status).toBe(409);
      expect(unescapeHtml(refused.html)).toContain('再実行できる「台帳にない」項目がありません');

      // The job again for the same run (a retry, a duplicate): nothing changes, nothing is mailed twice.
      const mailsBefore = (await mismatchEmails()).length;
      await runJob('reconcile-stripe', { runId: run.id }, app.ctx);
      expect(await runReconciliation({ db: app.ctx.db, gateway: app.ctx.stripe }, run.id)).toEqual({ outcome: 'already finished', runId: run.id });
      const [again] = await app.ctx.db.select().from(reconciliationRuns).where(eq(reconciliationRuns.id, run.id));
      expect(again).toEqual(run);
      expect(await mismatchEmails()).toHaveLength(mailsBefore);
    } finally {
      await app.ctx.db.delete(donations).where(eq(donations.id, ghost!.id));
      await app.ctx.db.update(donations).set({ amount: 3000 }).where(eq(donations.id, gift.id));
    }
  });

  test('when Stripe cannot be reached during the nightly run, then the run is stored as failed with the error and shown', async () => {
    const broken = { ...app.ctx.stripe, listInvoicesSince: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) };
    const result = await runReconciliation({ db: app.ctx.db, gateway: broken });
    expect(result).toMatchObject({ outcome: 'failed', error: 'connect ECONNREFUSED 127.0.0.1:1' });
    const run = (await latestRun())!;
    expect(run).toMatchObject({ trigger: 'schedule', requestedBy: null, status: 'failed', error: 'connect ECONNREFUSED 127.0.0.1:1', findings: [] });
    expect(run.checked.charges).toBeGreaterThan(0);
    expect(run.finishedAt).toBeInstanceOf(Date);
    const html = await page();
    expect(html).toContain('照合を完了できませんでした');
    expect(html).toContain('自動（毎晩）');
  });

  test('when someone without the permission, without a CSRF token or with a bad run id asks, then 403, 403, 404 or 422', async () => {
    const staff = await signInAs(app, 'staff');
    const staffToken = await staff.visitor.csrf('/admin/account');
    expect((await staff.visitor.get('/admin/reconciliation')).res.status).toBe(403);
    expect((await staff.visitor.post('/admin/reconciliation', { _csrf: staffToken })).res.status).toBe(403);
    const denied = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'access.denied'), eq(auditLog.staffId, staff.id)));
    expect(denied.length).toBe(2);
    expect(denied[0]!.detail).toMatchObject({ permission: 'exports:create' });
    expect((await staff.visitor.get('/admin/account')).html).not.toContain('/admin/reconciliation');

    const runsBefore = (await app.ctx.db.select().from(reconciliationRuns)).length;
    expect((await finance.visitor.post('/admin/reconciliation', {})).res.status).toBe(403);
    expect(await app.ctx.db.select().from(reconciliationRuns)).toHaveLength(runsBefore);

    expect((await finance.visitor.post('/admin/reconciliation/not-a-run/replay', { _csrf: token, confirm: 'on' })).res.status).toBe(404);
    expect((await finance.visitor.post(`/admin/reconciliation/${crypto.randomUUID()}/replay`, { _csrf: token, confirm: 'on' })).res.status).toBe(404);
    const run = (await latestRun())!;
    const unconfirmed = await finance.visitor.post(`/admin/reconciliation/${run.id}/replay`, { _csrf: token });
    expect(unconfirmed.res.status).toBe(422);
    expect(unescapeHtml(unconfirmed.html)).toContain('確認のチェックボックス');
  });
});
