import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { consents, donations, emails, stripeEvents, subscriptions, supporters } from '../../src/db/schema';
import { ensureCatalog } from '../../src/features/billing';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { CARD_DECLINED, giftRowsOf, giftsOf, joinAndPay, mailTo } from '../helpers/giving';
import { Visitor } from '../helpers/http';
import { pdfText, pdfToPng } from '../helpers/pdf';

describe('monthly giving end to end', () => {
  let app: TestApp;
  let stripe: Stripe;
  beforeAll(async () => {
    app = await startTestApp();
    stripe = new Stripe(app.stripe.secretKey, { host: '127.0.0.1', port: app.stripe.port, protocol: 'http' }); // The live count is shown from the first supporter here (the default hides it below 10).
    const { familyPage } = await app.ctx.settings.get();
    await app.ctx.settings.update('familyPage', { ...familyPage, countThreshold: '0' });
  });
  afterAll(() => app.stop());

  const countOnPage = async () => {
    const { html } = await Visitor.of(app).get('/family');
    return Number(/<strong>(\d[\d,]*)<\/strong>/.exec(html)![1]!.replace(/,/g, ''));
  };

  test('when a person joins for ¥5,000 and pays, then one gift, an active subscription, a welcome and a receipt with a PDF arrive', async () => {
    const before = await countOnPage();
    const { fields, supporter, gifts, subscription, sessionId } = await joinAndPay(app, { plan: '5000', newsletter: 'on' });

    expect(gifts).toHaveLength(1);
    const gift = gifts[0]!;
    expect(gift).toMatchObject({ entry: 'gift', amount: 5000, fee: 180, net: 4820, method: 'card', frequency: 'monthly', planAmount: 5000 });
    expect(gift.receiptNumber).toMatch(/^\d{4}-\d{6}$/);
    expect(gift.stripeChargeId).toMatch(/^ch_/);
    expect(gift.stripeInvoiceId).toMatch(/^in_/);
    expect(subscription).toMatchObject({ status: 'active', amount: 5000, cancelAtPeriodEnd: false });
    expect(subscription.currentPeriodEnd!.getTime()).toBeGreaterThan(Date.now());
    expect(supporter).toMatchObject({ status: 'monthly', familyNameKana: 'ヤマダ', locale: 'ja' });
    // The newsletter box counts once checkout.session.completed is processed (it may follow the subscription's events).
    await eventually(async () => (await app.ctx.db.select().from(supporters).where(eq(supporters.id, supporter.id)))[0]!.newsletter);
    expect(supporter.stripeCustomerId).toMatch(/^cus_/);

    const given = await app.ctx.db.select().from(consents).where(eq(consents.supporterId, supporter.id));
    expect(given.map((c) => c.purpose).sort()).toEqual(['newsletter', 'privacy_policy']);
    expect(given.find((c) => c.purpose === 'privacy_policy')).toMatchObject({ granted: true, source: 'join_form', text: '個人情報の取り扱いに同意します' });
    expect(given[0]!.textVersion).toMatch(/^(privacy_policy|newsletter):[0-9a-f]{12}$/);
    expect(given[0]!.ip).toBeTruthy();

    const [welcome] = await mailTo(app, fields.email!, 1, (s) => s.includes('ようこそ'));
    expect(welcome!.text).toContain('山田 花子 様');
    expect(welcome!.text).toContain('￥5,000');
    const [receipt] = await mailTo(app, fields.email!, 1, (s) => s.includes('領収書'));
    expect(receipt!.subject).toBe(`ご寄付の領収書（${gift.receiptNumber}）`);
    const pdf = receipt!.attachments.find((a) => a.mimeType === 'application/pdf');
    expect(pdf).toBeDefined();
    const text = pdfText(Buffer.from(pdf!.content as ArrayBuffer));
    expect(text).toContain('山田 花子');
    expect(text).toContain(gift.receiptNumber!);
    expect(text).toContain('5,000');
    expect(text).toContain('認定NPO');
    pdfToPng(Buffer.from(pdf!.content as ArrayBuffer), 'receipt-email-ja');

    await eventually(async () => (await countOnPage()) === before + 1, 20_000, 500);
    const thanks = await Visitor.of(app).get(`/family/thanks?session_id=${sessionId}`);
    expect(thanks.html).toContain('お支払いを確認しました');
  });

  test('when the paid invoice event is delivered five more times at once, then still one gift and one receipt', async () => {
    const { fields, supporter } = await joinAndPay(app);
    await mailTo(app, fields.email!, 1, (s) => s.includes('領収書'));
    const paid = app.stripe
      .events()
      .filter((e) => e.type === 'invoice.paid')
      .at(-1)!;
    const statuses = await Promise.all([1, 2, 3, 4, 5].map(() => app.stripe.deliverEvent(paid.id)));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await giftRowsOf(app, supporter.id)).toHaveLength(1);
    const receipts = (await app.ctx.db.select().from(emails).where(eq(emails.supporterId, supporter.id))).filter((e) => e.template === 'receipt');
    expect(receipts).toHaveLength(1);
    const [stored] = await app.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, paid.id));
    expect(stored!.processedAt).toBeInstanceOf(Date);
  });

  test('when the month is advanced, then a second gift with its own receipt number is recorded', async () => {
    const { fields, supporter, subscription, gifts } = await joinAndPay(app, { plan: '1000' });
    await app.stripe.advanceSubscription(subscription.stripeSubscriptionId);
    const rows = await eventually(async () => {
      const r = await giftRowsOf(app, supporter.id);
      return r.length === 2 ? r.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime()) : undefined;
    });
    expect(rows.map((r) => r.amount)).toEqual([1000, 1000]);
    expect(new Set(rows.map((r) => r.receiptNumber)).size).toBe(2);
    expect(rows[1]!.receiptNumber! > gifts[0]!.receiptNumber!).toBe(true);
    await mailTo(app, fields.email!, 2, (s) => s.includes('領収書'));
    const [sub] = await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.id, subscription.id));
    expect(sub!.currentPeriodEnd!.getTime()).toBeGreaterThan(subscription.currentPeriodEnd!.getTime());
  });

  test('when the card is declined at renewal, then a payment-failed email, past_due, and the subscription is not cancelled', async () => {
    const { fields, supporter, subscription } = await joinAndPay(app, { locale: 'en' });
    app.stripe.setCustomerCard(supporter.stripeCustomerId!, CARD_DECLINED);
    await app.stripe.advanceSubscription(subscription.stripeSubscriptionId);
    const [failed] = await mailTo(app, fields.email!, 1, (s) => s.includes('could not be paid'));
    const link = new RegExp(`${app.url}/billing/card/[\\w.-]+`).exec(failed!.text ?? '')![0];
    const portal = await fetch(link, { redirect: 'manual' });
    expect(portal.status).toBe(303);
    expect(portal.headers.get('location')).toContain('/portal/');
    expect((await fetch(link.slice(0, -3) + 'xyz', { redirect: 'manual' })).status).toBe(404);
    const [sub] = await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.id, subscription.id));
    expect(sub!.status).toBe('past_due');
    expect(sub!.canceledAt).toBeNull();
    const [s] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, supporter.id));
    expect(s!.status).toBe('monthly');
    expect(await giftRowsOf(app, supporter.id)).toHaveLength(1);
  });

  test('when a gift is refunded and another disputed, then each is its own negative row and the gifts stay', async () => {
    const { supporter, gifts, subscription } = await joinAndPay(app, { plan: '10000' });
    await stripe.refunds.create({ charge: gifts[0]!.stripeChargeId!, amount: 4000 });
    await eventually(async () => (await giftsOf(app, supporter.id)).some((d) => d.entry === 'refund'));
    await app.stripe.advanceSubscription(subscription.stripeSubscriptionId);
    const second = await eventually(async () => (await giftRowsOf(app, supporter.id)).find((d) => d.id !== gifts[0]!.id));
    await app.stripe.createDispute(second.stripeChargeId!);
    const rows = await eventually(async () => {
      const r = await giftsOf(app, supporter.id);
      return r.some((d) => d.entry === 'dispute') ? r : undefined;
    });
    const refund = rows.find((r) => r.entry === 'refund')!;
    const dispute = rows.find((r) => r.entry === 'dispute')!;
    expect(refund).toMatchObject({ amount: -4000, relatedDonationId: gifts[0]!.id, receiptNumber: null });
    expect(refund.stripeRefundId).toMatch(/^re_/);
    expect(dispute).toMatchObject({ amount: -10000, relatedDonationId: second.id });
    expect(rows.filter((r) => r.entry === 'gift').map((r) => r.amount)).toEqual([10000, 10000]);
    expect(rows.reduce((sum, r) => sum + r.amount, 0)).toBe(6000);
  });

  test('when the subscription is cancelled, then a cancelled email arrives once and the supporter is lapsed', async () => {
    const { fields, supporter, subscription } = await joinAndPay(app);
    await stripe.subscriptions.cancel(subscription.stripeSubscriptionId);
    const [mail] = await mailTo(app, fields.email!, 1, (s) => s.includes('終了'));
    expect(mail!.text).toContain(`${app.url}/family`);
    const s = await eventually(async () => {
      const [row] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, supporter.id));
      return row?.status === 'lapsed' ? row : undefined;
    });
    expect(s.status).toBe('lapsed');
    const deleted = app.stripe
      .events()
      .filter((e) => e.type === 'customer.subscription.deleted')
      .at(-1)!;
    await app.stripe.deliverEvent(deleted.id);
    await new Promise((r) => setTimeout(r, 800));
    const cancelledMails = (await app.ctx.db.select().from(emails).where(eq(emails.supporterId, supporter.id))).filter((e) => e.template === 'cancelled');
    expect(cancelledMails).toHaveLength(1);
  });

  test('when someone who gives monthly joins again, then the page goes on to Checkout as for anyone and they are told so by email', async () => {
    const { fields } = await joinAndPay(app);
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/family');
    const { res, location } = await visitor.post('/family/join', { ...fields, _csrf: token });
    expect(res.status).toBe(303);
    expect(location).toMatch(/\/checkout\/cs_\w+$/);
    const [told] = await mailTo(app, fields.email!, 1, (s) => s.includes('すでに毎月のご寄付をいただいています'));
    expect(told!.text).toContain('2つ目の毎月のご寄付');
  });

  test('when a one-time gift of a custom amount is paid, then it is recorded once as one_time with a receipt', async () => {
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/give');
    const email = `once-${Date.now()}@example.jp`;
    const { res, location } = await visitor.post('/give', {
      _csrf: token,
      amount: 'other',
      custom_amount: '１２,３４５',
      email,
      family_name: 'Smith',
      given_name: 'Jane',
      locale: 'en',
      privacy: 'on',
    });
    expect(res.status).toBe(303);
    const sessionId = /\/(cs_[\w]+)/.exec(location!)![1]!;
    const paid = await app.stripe.payCheckoutSession(sessionId, '4242424242424242');
    expect(paid.ok).toBe(true);
    expect(paid.redirectUrl).toBe(`${app.url}/give/thanks?session_id=${sessionId}&lang=en`);
    const [receipt] = await mailTo(app, email, 1, (s) => s.includes('receipt'));
    expect(receipt!.text).toContain('¥12,345');
    const [s] = await app.ctx.db.select().from(supporters).where(eq(supporters.email, email));
    const rows = await giftsOf(app, s!.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amount: 12345, frequency: 'one_time', planAmount: null });
    expect(s!.status).toBe('one_time');
    const page = await visitor.get(paid.redirectUrl!.replace(app.url, ''));
    expect(page.html).toContain('Payment confirmed');
  });

  test('when the Stripe catalog is set up again, then nothing new is created', async () => {
    const again = await ensureCatalog(app.ctx.stripe, { returnUrl: `${app.url}/me`, webhookUrl: `${app.url}/webhooks/stripe` });
    expect(again.created).toEqual([]);
    expect(Object.keys(again.prices).sort()).toEqual(['1000', '10000', '5000']);
    const prices = await stripe.prices.list({ lookup_keys: ['welgee_family_monthly_5000'] });
    expect(prices.data).toHaveLength(1);
  });

  test('when the ledger is summed, then every gift row has a unique Stripe charge', async () => {
    const rows = await app.ctx.db.select().from(donations).where(eq(donations.entry, 'gift'));
    expect(new Set(rows.map((r) => r.stripeChargeId)).size).toBe(rows.length);
  });
});
