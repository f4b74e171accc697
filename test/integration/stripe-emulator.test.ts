import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../src/dev/stripe-emulator';
import { launchBrowser, screenshot, viewports } from '../helpers/browser';

// The real stripe SDK talks HTTP to the local emulator; a real HTTP server receives its webhooks and
// verifies every signature with stripe.webhooks.constructEvent.

interface Receiver {
  url: string;
  secret: string;
  /** Verified deliveries, in arrival order (a retried event appears once per successful delivery). */
  events: Stripe.Event[];
  attempts: number;
  badSignatures: number;
  /** How many of the next POSTs answer 500. */
  failNext: number;
  waitFor(predicate: (e: Stripe.Event) => boolean, timeoutMs?: number): Promise<Stripe.Event>;
  close(): Promise<void>;
}

async function startReceiver(stripe: Stripe): Promise<Receiver> {
  const receiver = { secret: '', events: [] as Stripe.Event[], attempts: 0, badSignatures: 0, failNext: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>thanks</title><h1>thanks</h1>');
        return;
      }
      receiver.attempts += 1;
      if (receiver.failNext > 0) {
        receiver.failNext -= 1;
        res.writeHead(500).end();
        return;
      }
      try {
        const event = stripe.webhooks.constructEvent(Buffer.concat(chunks), String(req.headers['stripe-signature']), receiver.secret);
        receiver.events.push(event);
        res.writeHead(200).end('{"received":true}');
      } catch {
        receiver.badSignatures += 1;
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    async waitFor(predicate: (e: Stripe.Event) => boolean, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = receiver.events.find(predicate);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no matching webhook among ${receiver.events.map((e) => e.type).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** POSTs a form the way a browser submits it, without following the redirect. */
async function submitForm(url: string, fields: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

/** The action of the page's form whose action ends with `suffix`, as an absolute URL. */
function formAction(html: string, base: string, suffix: string): string {
  const actions = [...html.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => m[1]!);
  const action = actions.find((a) => a.endsWith(suffix));
  if (!action) throw new Error(`no form ending in ${suffix} among ${actions.join(', ')}`);
  return new URL(action, base).toString();
}

const card = (number: string) => ({ card_number: number, card_expiry: '12 / 34', card_cvc: '123', cardholder_name: 'HANAKO YAMADA' });
const objectOf = <T>(e: Stripe.Event) => e.data.object as unknown as T;

describe('Stripe emulator with the real stripe SDK', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let receiver: Receiver;
  let prices: Record<number, Stripe.Price>;
  let n = 0;
  const successUrl = () => `${receiver.url.replace('/webhooks/stripe', '')}/thanks?session_id={CHECKOUT_SESSION_ID}`;

  beforeAll(async () => {
    emulator = await startStripeEmulator({ env: 'test', retryDelaysMs: [50, 100, 200] });
    stripe = new Stripe(emulator.secretKey, { host: '127.0.0.1', port: emulator.port, protocol: 'http' });
    receiver = await startReceiver(stripe);
    const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
    receiver.secret = endpoint.secret!;
    await stripe.products.create({ id: 'welgee_family', name: 'WELgeeファミリー（毎月の寄付）', metadata: { merchant_name: 'WELgee' } });
    prices = {};
    for (const amount of [1000, 5000, 10000]) {
      prices[amount] = await stripe.prices.create({
        product: 'welgee_family',
        currency: 'jpy',
        unit_amount: amount,
        recurring: { interval: 'month' },
        lookup_key: `welgee_family_monthly_${amount}`,
        transfer_lookup_key: true,
        nickname: `毎月${amount.toLocaleString('ja-JP')}円`,
      });
    }
  });
  afterAll(async () => {
    await emulator?.stop();
    await receiver?.close();
  });

  async function newCustomer(locale = 'ja') {
    n += 1;
    return stripe.customers.create({ email: `supporter${n}@example.com`, name: `山田 花子${n}`, preferred_locales: [locale], metadata: { supporter_id: `sup_${n}` } });
  }

  async function subscriptionCheckout(customer: Stripe.Customer, amount = 1000) {
    return stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: prices[amount]!.id, quantity: 1 }],
      success_url: successUrl(),
      cancel_url: 'http://127.0.0.1:9/family',
      locale: 'ja',
      client_reference_id: customer.metadata.supporter_id,
      metadata: { supporter_id: customer.metadata.supporter_id! },
      subscription_data: { metadata: { supporter_id: customer.metadata.supporter_id! } },
    });
  }

  /** A customer with a paid monthly subscription, made through the hosted page. */
  async function subscribed(amount = 1000) {
    const customer = await newCustomer();
    const session = await subscriptionCheckout(customer, amount);
    const paid = await submitForm(session.url!, { email: customer.email!, ...card('4242424242424242') });
    expect(paid.status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    return { customer, session: done, subscriptionId: done.subscription as string };
  }

  test('when prices are created with lookup keys, then the SDK finds them by lookup key and a taken key needs transfer_lookup_key', async () => {
    const found = await stripe.prices.list({ lookup_keys: ['welgee_family_monthly_1000', 'welgee_family_monthly_5000', 'welgee_family_monthly_10000'], active: true, limit: 10 });
    expect(found.data.map((p) => p.unit_amount).sort((a, b) => a! - b!)).toEqual([1000, 5000, 10000]);
    expect(found.data[0]).toMatchObject({ object: 'price', currency: 'jpy', type: 'recurring', recurring: { interval: 'month', interval_count: 1 }, product: 'welgee_family' });
    expect(String(found.data[0]!.unit_amount_decimal)).toBe(String(found.data[0]!.unit_amount));
    expect((await stripe.products.retrieve('welgee_family')).name).toBe('WELgeeファミリー（毎月の寄付）');

    const taken = stripe.prices.create({
      product: 'welgee_family',
      currency: 'jpy',
      unit_amount: 1000,
      recurring: { interval: 'month' },
      lookup_key: 'welgee_family_monthly_1000',
    });
    await expect(taken).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'lookup_key' });
    const moved = await stripe.prices.create({ product_data: { name: 'Other' }, currency: 'jpy', unit_amount: 1000, lookup_key: 'moving_key' });
    const again = await stripe.prices.create({ product: moved.product as string, currency: 'jpy', unit_amount: 2000, lookup_key: 'moving_key', transfer_lookup_key: true });
    expect((await stripe.prices.retrieve(moved.id)).lookup_key).toBeNull();
    expect((await stripe.prices.list({ lookup_keys: ['moving_key'] })).data.map((p) => p.id)).toEqual([again.id]);
    await expect(stripe.products.retrieve('no_such_product')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  test('when a customer create is retried with the same idempotency key, then only one customer exists', async () => {
    const params = { email: 'retry@example.com', name: '再試行 太郎', metadata: { supporter_id: 'sup_retry' } };
    const first = await stripe.customers.create(params, { idempotencyKey: 'customer-sup_retry' });
    const second = await stripe.customers.create(params, { idempotencyKey: 'customer-sup_retry' });
    expect(second.id).toBe(first.id);
    expect((await stripe.customers.list({ email: 'retry@example.com' })).data).toHaveLength(1);
    const other = stripe.customers.create({ ...params, name: 'changed' }, { idempotencyKey: 'customer-sup_retry' });
    await expect(other).rejects.toMatchObject({ type: 'StripeIdempotencyError' });
  });

  test('when a person pays with 0341 or a wrong number on the hosted page, then it is refused and nothing is created', async () => {
    const customer = await newCustomer();
    const session = await subscriptionCheckout(customer);
    const page = await fetch(session.url!);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<html lang="ja">');
    for (const text of [
      'WELgee',
      'WELgeeファミリー（毎月の寄付）',
      '/ 月',
      '申し込む',
      'カード番号',
      '4242 4242 4242 4242',
      'http://127.0.0.1:9/family',
      `value="${customer.email}"`,
    ]) {
      expect(html).toContain(text);
    }

    const declined = await submitForm(session.url!, { email: customer.email!, ...card('4000 0000 0000 0341') });
    expect(declined.status).toBe(402);
    expect(declined.html).toContain('カードが拒否されました');
    const invalid = await submitForm(session.url!, { email: customer.email!, ...card('1234 5678 9012 3456') });
    expect(invalid.status).toBe(400);
    expect(invalid.html).toContain('カード番号が正しくありません');
    expect(await emulator.payCheckoutSession(session.id, '4000000000000002')).toEqual({ ok: false, error: 'card_declined' });

    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data).toHaveLength(0);
    expect((await stripe.charges.list({ customer: customer.id })).data).toHaveLength(0);
    expect(emulator.events().filter((e) => (e.data.object as { customer?: string }).customer === customer.id)).toHaveLength(0);
  });

  test('when a person pays a subscription with 4242, then it redirects and signed events arrive in Stripe order with the endive shapes', async () => {
    const customer = await newCustomer();
    const session = await subscriptionCheckout(customer);
    const paid = await submitForm(session.url!, { email: customer.email!, ...card('4242 4242 4242 4242') });
    expect(paid.status).toBe(303);
    expect(paid.location).toBe(successUrl().replace('{CHECKOUT_SESSION_ID}', session.id));

    const completed = await receiver.waitFor((e) => e.type === 'checkout.session.completed' && objectOf<Stripe.Checkout.Session>(e).id === session.id);
    const mine = receiver.events.filter((e) => (e.data.object as { customer?: string }).customer === customer.id).map((e) => e.type);
    expect(mine).toEqual([
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
      'checkout.session.completed',
    ]);
    expect(receiver.badSignatures).toBe(0);
    expect(completed).toMatchObject({ object: 'event', api_version: '2026-10-28.endive', livemode: false });
    expect(completed.id).toMatch(/^evt_/);
    const done = objectOf<Stripe.Checkout.Session>(completed);
    expect(done).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      mode: 'subscription',
      customer: customer.id,
      client_reference_id: 'sup_' + n,
      amount_total: 1000,
      currency: 'jpy',
    });

    const paidEvent = await receiver.waitFor((e) => e.type === 'invoice.paid' && objectOf<Stripe.Invoice>(e).customer === customer.id);
    const invoiceInEvent = objectOf<Stripe.Invoice>(paidEvent);
    expect(invoiceInEvent.billing_reason).toBe('subscription_create');
    expect(invoiceInEvent.parent?.subscription_details?.subscription).toBe(done.subscription);
    expect(invoiceInEvent.parent?.subscription_details?.metadata).toEqual({ supporter_id: customer.metadata.supporter_id });
    expect('charge' in invoiceInEvent || 'payment_intent' in invoiceInEvent).toBe(false);

    const invoice = await stripe.invoices.retrieve(invoiceInEvent.id, { expand: ['payments'] });
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 1000, amount_due: 1000, currency: 'jpy' });
    const payment = invoice.payments!.data[0]!;
    expect(payment).toMatchObject({ object: 'invoice_payment', status: 'paid', payment: { type: 'payment_intent' } });
    const pi = await stripe.paymentIntents.retrieve(payment.payment.payment_intent as string, { expand: ['latest_charge.balance_transaction'] });
    const charge = pi.latest_charge as Stripe.Charge;
    const bt = charge.balance_transaction as Stripe.BalanceTransaction;
    expect(pi.status).toBe('succeeded');
    expect(charge.payment_method_details?.card).toMatchObject({ brand: 'visa', last4: '4242' });
    expect(bt).toMatchObject({ amount: 1000, fee: 36, net: 964, currency: 'jpy', type: 'charge', source: charge.id });

    const sub = await stripe.subscriptions.retrieve(done.subscription as string, { expand: ['latest_invoice'] });
    expect(sub).toMatchObject({ status: 'active', customer: customer.id, metadata: { supporter_id: customer.metadata.supporter_id }, cancel_at_period_end: false });
    expect((sub.latest_invoice as Stripe.Invoice).id).toBe(invoice.id);
    const item = sub.items.data[0]!;
    expect(item.price.id).toBe(prices[1000]!.id);
    const start = new Date(item.current_period_start * 1000);
    const end = new Date(item.current_period_end * 1000);
    expect(end.getUTCFullYear() * 12 + end.getUTCMonth() - (start.getUTCFullYear() * 12 + start.getUTCMonth())).toBe(1);
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).invoice_settings.default_payment_method).toMatch(/^pm_/);

    const closed = await fetch(session.url!);
    expect(await closed.text()).toContain('お支払いは完了しています');
  });

  test('when a subscription is advanced, then the next month is invoiced and paid with the saved card', async () => {
    const { customer, subscriptionId } = await subscribed();
    const before = await stripe.subscriptions.retrieve(subscriptionId);
    const { invoiceId } = await emulator.advanceSubscription(subscriptionId);
    const invoice = await stripe.invoices.retrieve(invoiceId!, { expand: ['payments.data.payment.payment_intent'] });
    expect(invoice).toMatchObject({ status: 'paid', billing_reason: 'subscription_cycle', amount_paid: 1000, customer: customer.id });
    expect((invoice.payments!.data[0]!.payment.payment_intent as Stripe.PaymentIntent).status).toBe('succeeded');
    const after = await stripe.subscriptions.retrieve(subscriptionId);
    expect(after.items.data[0]!.current_period_start).toBe(before.items.data[0]!.current_period_end);
    expect(after.latest_invoice).toBe(invoiceId);
    await receiver.waitFor((e) => e.type === 'invoice.paid' && objectOf<Stripe.Invoice>(e).id === invoiceId);
    const updated = await receiver.waitFor((e) => e.type === 'customer.subscription.updated' && objectOf<Stripe.Subscription>(e).id === subscriptionId);
    expect(updated.data.previous_attributes).toHaveProperty('items');
    expect((await stripe.invoices.list({ subscription: subscriptionId })).data).toHaveLength(2);
  });

  test('when the card is switched to 0341 and the subscription advanced, then the payment fails, it goes past_due, and a new card in the portal pays it', async () => {
    const { customer, subscriptionId } = await subscribed();
    emulator.setCustomerCard(customer.id, '4000 0000 0000 0341');
    const { invoiceId } = await emulator.advanceSubscription(subscriptionId);
    const failed = await receiver.waitFor((e) => e.type === 'invoice.payment_failed' && objectOf<Stripe.Invoice>(e).id === invoiceId);
    expect(objectOf<Stripe.Invoice>(failed)).toMatchObject({ status: 'open', attempt_count: 1, attempted: true, amount_paid: 0 });
    expect(objectOf<Stripe.Invoice>(failed).next_payment_attempt).toEqual(expect.any(Number));
    const pastDue = await receiver.waitFor(
      (e) => e.type === 'customer.subscription.updated' && objectOf<Stripe.Subscription>(e).status === 'past_due' && objectOf<Stripe.Subscription>(e).id === subscriptionId,
    );
    expect(pastDue.data.previous_attributes).toEqual({ status: 'active' });
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe('past_due');

    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'http://127.0.0.1:9/me', locale: 'ja' });
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain('お支払いに失敗しています');
    expect(page).toContain('•••• 0341');
    const updated = await submitForm(formAction(page, portal.url, '/card'), card('4242 4242 4242 4242'));
    expect(updated.status).toBe(303);
    await receiver.waitFor((e) => e.type === 'invoice.paid' && objectOf<Stripe.Invoice>(e).id === invoiceId);
    await receiver.waitFor((e) => e.type === 'payment_method.attached' && objectOf<Stripe.PaymentMethod>(e).customer === customer.id);
    await receiver.waitFor((e) => e.type === 'customer.updated' && objectOf<Stripe.Customer>(e).id === customer.id);
    const invoice = await stripe.invoices.retrieve(invoiceId!);
    expect(invoice).toMatchObject({ status: 'paid', attempt_count: 2 });
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe('active');
  });

  test('when a person switches plan and cancels in the portal, then the subscription follows with previous_attributes and ends at the period end', async () => {
    const { customer, subscriptionId } = await subscribed();
    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'http://127.0.0.1:9/me', locale: 'ja' });
    expect(portal.url).toMatch(new RegExp(`^${emulator.url}/portal/bps_`));
    const page = await (await fetch(portal.url)).text();
    for (const text of ['WELgeeファミリー（毎月の寄付）', '次回のお支払い', '•••• 4242', 'http://127.0.0.1:9/me', 'WELgeeに戻る', 'プランを変更']) expect(page).toContain(text);

    const switched = await submitForm(formAction(page, portal.url, '/price'), { price: prices[5000]!.id });
    expect(switched.status).toBe(303);
    const sub = await stripe.subscriptions.retrieve(subscriptionId);
    expect(sub.items.data[0]!.price.id).toBe(prices[5000]!.id);
    const change = await receiver.waitFor((e) => e.type === 'customer.subscription.updated' && objectOf<Stripe.Subscription>(e).items.data[0]!.price.id === prices[5000]!.id);
    expect((change.data.previous_attributes as Partial<Stripe.Subscription>).items!.data[0]!.price.id).toBe(prices[1000]!.id);

    const confirm = await fetch(new URL(`/portal/${portal.id}/subscriptions/${subscriptionId}/cancel`, portal.url));
    const confirmPage = await confirm.text();
    expect(confirmPage).toContain('プランをキャンセルしますか');
    expect((await submitForm(formAction(confirmPage, portal.url, '/cancel'), {})).status).toBe(303);
    const canceling = await receiver.waitFor(
      (e) => e.type === 'customer.subscription.updated' && objectOf<Stripe.Subscription>(e).id === subscriptionId && objectOf<Stripe.Subscription>(e).cancel_at_period_end,
    );
    expect(canceling.data.previous_attributes).toMatchObject({ cancel_at_period_end: false });

    const pending = await (await fetch(portal.url)).text();
    expect((await submitForm(formAction(pending, portal.url, '/resume'), {})).status).toBe(303);
    expect((await stripe.subscriptions.retrieve(subscriptionId)).cancel_at_period_end).toBe(false);

    const { invoiceId } = await emulator.advanceSubscription(subscriptionId);
    expect((await stripe.invoices.retrieve(invoiceId!)).amount_paid).toBe(5000);

    await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
    expect(await emulator.advanceSubscription(subscriptionId)).toEqual({});
    const deleted = await receiver.waitFor((e) => e.type === 'customer.subscription.deleted' && objectOf<Stripe.Subscription>(e).id === subscriptionId);
    expect(objectOf<Stripe.Subscription>(deleted).status).toBe('canceled');
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
  });

  test('when a one-time gift is paid and refunded, then charge.refunded and refund.created arrive with the refunds', async () => {
    const customer = await newCustomer('en');
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      submit_type: 'donate',
      customer: customer.id,
      locale: 'en',
      line_items: [{ price_data: { currency: 'jpy', unit_amount: 3000, product_data: { name: 'WELgee donation' } }, quantity: 1 }],
      success_url: successUrl(),
      cancel_url: 'http://127.0.0.1:9/give',
      payment_intent_data: { metadata: { supporter_id: customer.metadata.supporter_id! } },
    });
    const html = await (await fetch(session.url!)).text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Donate');
    expect(html).not.toContain('/ month');
    expect((await stripe.checkout.sessions.listLineItems(session.id)).data[0]).toMatchObject({ amount_total: 3000, description: 'WELgee donation' });

    expect((await submitForm(session.url!, { email: customer.email!, ...card('4242424242424242') })).status).toBe(303);
    const completed = await receiver.waitFor((e) => e.type === 'checkout.session.completed' && objectOf<Stripe.Checkout.Session>(e).id === session.id);
    const mine = receiver.events.filter((e) => (e.data.object as { customer?: string }).customer === customer.id).map((e) => e.type);
    expect(mine).toEqual(['charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed']);
    const pi = await stripe.paymentIntents.retrieve(objectOf<Stripe.Checkout.Session>(completed).payment_intent as string);
    expect(pi).toMatchObject({ amount: 3000, status: 'succeeded', metadata: { supporter_id: customer.metadata.supporter_id } });
    const chargeId = pi.latest_charge as string;

    const partial = await stripe.refunds.create({ charge: chargeId, amount: 1000 });
    expect(partial).toMatchObject({ object: 'refund', amount: 1000, status: 'succeeded', charge: chargeId, payment_intent: pi.id });
    const refunded = await receiver.waitFor((e) => e.type === 'charge.refunded' && objectOf<Stripe.Charge>(e).id === chargeId);
    expect(objectOf<Stripe.Charge>(refunded)).toMatchObject({ amount_refunded: 1000, refunded: false });
    expect(objectOf<Stripe.Charge>(refunded).refunds!.data.map((r) => r.id)).toEqual([partial.id]);
    await receiver.waitFor((e) => e.type === 'refund.created' && objectOf<Stripe.Refund>(e).id === partial.id);

    const rest = await stripe.refunds.create({ payment_intent: pi.id });
    expect(rest.amount).toBe(2000);
    const charge = await stripe.charges.retrieve(chargeId, { expand: ['balance_transaction', 'refunds'] });
    expect(charge).toMatchObject({ amount_refunded: 3000, refunded: true });
    expect(charge.refunds!.data).toHaveLength(2);
    expect((charge.balance_transaction as Stripe.BalanceTransaction).fee).toBe(108);
    await expect(stripe.refunds.create({ charge: chargeId })).rejects.toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
  });

  test('when a dispute is opened, then charge.dispute.created arrives with the charge and payment intent', async () => {
    const { customer } = await subscribed(10000);
    const charge = (await stripe.charges.list({ customer: customer.id })).data[0]!;
    const disputeId = await emulator.createDispute(charge.id);
    const event = await receiver.waitFor((e) => e.type === 'charge.dispute.created' && objectOf<Stripe.Dispute>(e).id === disputeId);
    expect(objectOf<Stripe.Dispute>(event)).toMatchObject({
      amount: 10000,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      reason: 'fraudulent',
      status: 'needs_response',
      currency: 'jpy',
    });
    expect(await stripe.disputes.retrieve(disputeId)).toMatchObject({ id: disputeId, charge: charge.id });
    expect((await stripe.charges.retrieve(charge.id)).disputed).toBe(true);
  });

  test('when an endpoint answers 500, then the event is retried and delivered again on demand', async () => {
    receiver.failNext = 1;
    const attemptsBefore = receiver.attempts;
    const customer = await newCustomer();
    const created = await receiver.waitFor((e) => e.type === 'customer.created' && objectOf<Stripe.Customer>(e).id === customer.id);
    expect(receiver.attempts - attemptsBefore).toBeGreaterThanOrEqual(2);
    expect(await emulator.deliverEvent(created.id)).toBe(200);
    expect(receiver.events.filter((e) => e.id === created.id)).toHaveLength(2);
  });

  test('when two endpoints listen and one fails, then deliverEvent reports the failure, reaches one endpoint when named, and every POST is reported', async () => {
    const seen: { eventId: string; url: string; status: number; kind: string }[] = [];
    const own = await startStripeEmulator({ env: 'test', autoDeliver: false, onDelivery: (a) => seen.push(a) });
    const ownStripe = new Stripe(own.secretKey, { host: '127.0.0.1', port: own.port, protocol: 'http' });
    const [a, b] = [await startReceiver(ownStripe), await startReceiver(ownStripe)];
    try {
      a.secret = own.addWebhookEndpoint(a.url).secret;
      b.secret = own.addWebhookEndpoint(b.url).secret;
      await ownStripe.customers.create({ email: 'two-endpoints@example.jp' });
      const event = own.events().find((e) => e.type === 'customer.created')!;
      a.failNext = 1;
      expect(await own.deliverEvent(event.id)).toBe(500);
      expect(await own.deliverEvent(event.id, b.url)).toBe(200);
      expect([a.events.length, b.events.length]).toEqual([0, 2]);
      expect(seen.map((s) => [s.url, s.status, s.kind])).toEqual([
        [a.url, 500, 'manual'],
        [b.url, 200, 'manual'],
        [b.url, 200, 'manual'],
      ]);
      await expect(own.deliverEvent(event.id, 'http://127.0.0.1:9/elsewhere')).rejects.toThrow(/No webhook endpoint/);
    } finally {
      await own.stop();
      await a.close();
      await b.close();
    }
  });

  test('when lists are paged or the controls are used over HTTP, then Stripe list semantics and /_emulator work', async () => {
    const first = await stripe.prices.list({ limit: 2 });
    expect(first).toMatchObject({ object: 'list', has_more: true });
    const next = await stripe.prices.list({ limit: 2, starting_after: first.data[1]!.id });
    expect(next.data[0]!.id).not.toBe(first.data[0]!.id);
    const all = await stripe.prices.list({ limit: 100, created: { gte: 0 } });
    expect(all.data.length).toBeGreaterThanOrEqual(5);

    const { subscriptionId } = await subscribed();
    const auth = { authorization: `Bearer ${emulator.secretKey}` };
    const advanced = await fetch(`${emulator.url}/_emulator/subscriptions/${subscriptionId}/advance`, { method: 'POST', headers: auth });
    const { invoiceId } = (await advanced.json()) as { invoiceId: string };
    expect((await stripe.invoices.retrieve(invoiceId)).status).toBe('paid');
    const events = (await (await fetch(`${emulator.url}/_emulator/events?type=invoice.paid`, { headers: auth })).json()) as { data: Stripe.Event[] };
    expect(events.data.some((e) => objectOf<Stripe.Invoice>(e).id === invoiceId)).toBe(true);
    expect((await fetch(`${emulator.url}/_emulator/events`)).status).toBe(401);
  });

  test('when the API key is wrong or missing, then Stripe answers 401 with its error JSON', async () => {
    const wrong = new Stripe('sk_test_wrong_key_123456', { host: '127.0.0.1', port: emulator.port, protocol: 'http' });
    await expect(wrong.customers.list()).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
    const res = await fetch(`${emulator.url}/v1/customers`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('API key') } });
  });

  test('when the environment is production, then the emulator refuses to start', async () => {
    await expect(startStripeEmulator({ env: 'production' })).rejects.toThrow(/production/);
  });

  test('when a state file is given, then a restarted emulator keeps its customers', async () => {
    const stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-emulator-')), 'state.json');
    const first = await startStripeEmulator({ env: 'test', stateFile, secretKey: 'sk_test_sandbox' });
    const client = new Stripe('sk_test_sandbox', { host: '127.0.0.1', port: first.port, protocol: 'http' });
    const customer = await client.customers.create({ email: 'kept@example.com' });
    await first.stop();
    const second = await startStripeEmulator({ env: 'test', stateFile, secretKey: 'sk_test_sandbox' });
    try {
      const again = new Stripe('sk_test_sandbox', { host: '127.0.0.1', port: second.port, protocol: 'http' });
      expect(((await again.customers.retrieve(customer.id)) as Stripe.Customer).email).toBe('kept@example.com');
    } finally {
      await second.stop();
    }
  });

  const hasChromium = fs.existsSync('/usr/bin/chromium');
  (hasChromium ? test : test.skip)('when a person uses the checkout and portal pages in Chromium on a phone, then they read well and work', async () => {
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: viewports.phone });
      const page = await context.newPage();
      const customer = await newCustomer();
      const session = await subscriptionCheckout(customer);
      await page.goto(session.url!);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      await screenshot(page, 'stripe-emulator-checkout-ja-phone');
      const pay = async (number: string) => {
        await page.getByLabel('カード番号').fill(number);
        await page.getByLabel('有効期限（月 / 年）').fill('12 / 34');
        await page.getByLabel('セキュリティコード').fill('123');
        await page.getByLabel('カード名義人').fill('HANAKO YAMADA');
        await page.getByRole('button', { name: '申し込む' }).click();
      };
      await pay('4000 0000 0000 0341');
      expect(await page.getByRole('alert').innerText()).toBe('カードが拒否されました。別のカードをお試しください。');
      await screenshot(page, 'stripe-emulator-checkout-declined-ja-phone');
      await pay('4242 4242 4242 4242');
      await page.waitForURL(/\/thanks\?session_id=cs_test_/);

      const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: successUrl(), locale: 'ja' });
      await page.goto(portal.url);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      await screenshot(page, 'stripe-emulator-portal-ja-phone');
      await page.getByRole('link', { name: 'プランをキャンセル' }).click();
      await screenshot(page, 'stripe-emulator-portal-cancel-ja-phone');
      await page.getByRole('button', { name: 'キャンセルする' }).click();
      expect(await page.getByRole('status').innerText()).toBe('キャンセルを受け付けました。');
      await screenshot(page, 'stripe-emulator-portal-canceling-ja-phone');

      const desktop = await browser.newContext({ viewport: viewports.desktop });
      const wide = await desktop.newPage();
      const gift = await stripe.checkout.sessions.create({
        mode: 'payment',
        submit_type: 'donate',
        locale: 'en',
        customer: customer.id,
        success_url: successUrl(),
        cancel_url: successUrl(),
        line_items: [{ price_data: { currency: 'jpy', unit_amount: 5000, product_data: { name: 'WELgee donation' } }, quantity: 1 }],
      });
      await wide.goto(gift.url!);
      await screenshot(wide, 'stripe-emulator-checkout-en-desktop');
      await context.close();
      await desktop.close();
    } finally {
      await browser.close();
    }
  });
});
