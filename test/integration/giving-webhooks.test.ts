import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { auditLog, emails, stripeEvents, subscriptions, supporters } from '../../src/db/schema';
import { processStripeEvent } from '../../src/features/billing';
import { eventually, startTestApp, TEST_WEBHOOK_SECRET, type TestApp } from '../helpers/app';
import { CARD_OK, giftRowsOf, joinFields, startJoin } from '../helpers/giving';

const signer = new Stripe('sk_test_signer');

function signed(payload: string, secret = TEST_WEBHOOK_SECRET, timestamp?: number) {
  return signer.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

async function postWebhook(app: TestApp, payload: string, signature?: string) {
  return fetch(`${app.url}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
    body: payload,
  });
}

describe('webhook events in any order', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ autoDeliverWebhooks: false });
  });
  afterAll(() => app.stop());

  test('when a month of events arrives in reverse order and twice, then the final state is the same as in order', async () => {
    const fields = joinFields({ plan: '10000' });
    const { sessionId } = await startJoin(app, fields);
    const seen = app.stripe.events().length;
    expect((await app.stripe.payCheckoutSession(sessionId, CARD_OK)).ok).toBe(true);
    const month = app.stripe.events().slice(seen);
    expect(month.map((e) => e.type)).toEqual(expect.arrayContaining(['customer.subscription.created', 'invoice.paid', 'checkout.session.completed']));

    // Invoice before checkout completion, everything before the subscription's creation.
    for (const event of [...month].reverse()) expect(await app.stripe.deliverEvent(event.id)).toBe(200);
    for (const event of month) expect(await app.stripe.deliverEvent(event.id)).toBe(200);

    const [supporter] = await app.ctx.db.select().from(supporters).where(eq(supporters.email, fields.email!));
    await eventually(async () => {
      const rows = await app.ctx.db.select().from(stripeEvents);
      return rows.filter((r) => month.some((m) => m.id === r.id)).every((r) => r.processedAt) ? true : undefined;
    }, 30_000);
    const gifts = await giftRowsOf(app, supporter!.id);
    expect(gifts).toHaveLength(1);
    expect(gifts[0]!.amount).toBe(10000);
    const [sub] = await app.ctx.db.select().from(subscriptions).where(eq(subscriptions.supporterId, supporter!.id));
    expect(sub!.status).toBe('active');
    const [after] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, supporter!.id));
    expect(after!.status).toBe('monthly');
    const sent = await app.ctx.db.select().from(emails).where(eq(emails.supporterId, supporter!.id));
    expect(sent.map((e) => e.template).sort()).toEqual(['receipt', 'welcome']);
  });
});

describe('POST /webhooks/stripe security', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
  });
  afterAll(() => app.stop());

  const event = (id: string, type = 'invoice.paid') =>
    JSON.stringify({
      id,
      object: 'event',
      type,
      api_version: '2026-10-28.endive',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { id: 'in_test_1', object: 'invoice' } },
    });

  test('when the signature header is missing, then 400 and nothing is stored', async () => {
    const res = await postWebhook(app, event('evt_nosig'));
    expect(res.status).toBe(400);
    expect(await app.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, 'evt_nosig'))).toHaveLength(0);
  });

  test('when the signature is made with another secret, then 400', async () => {
    const payload = event('evt_forged');
    const res = await postWebhook(app, payload, signed(payload, 'whsec_attacker'));
    expect(res.status).toBe(400);
  });

  test('when the body is changed after signing, then 400', async () => {
    const payload = event('evt_tampered');
    const res = await postWebhook(app, payload.replace('invoice.paid', 'charge.refunded'), signed(payload));
    expect(res.status).toBe(400);
  });

  test('when the signature is older than five minutes (a replay), then 400', async () => {
    const payload = event('evt_old');
    const res = await postWebhook(app, payload, signed(payload, TEST_WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 600));
    expect(res.status).toBe(400);
  });

  test('when the header is garbage, then 400', async () => {
    const res = await postWebhook(app, event('evt_garbage'), 't=abc,v1=<script>');
    expect(res.status).toBe(400);
  });

  test('when the same signed event is sent twice, then it is stored once and both answers are 200', async () => {
    const payload = event('evt_twice');
    const first = await postWebhook(app, payload, signed(payload));
    const second = await postWebhook(app, payload, signed(payload));
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await second.json()).toEqual({ received: true, duplicate: true });
    expect(await app.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, 'evt_twice'))).toHaveLength(1);
  });

  test('when an unknown event type arrives, then 200 and it is marked processed as ignored', async () => {
    const payload = event('evt_unknown_type', 'customer.tax_id.created');
    expect((await postWebhook(app, payload, signed(payload))).status).toBe(200);
    await app.ctx.dispatcher.dispatchPending();
    expect(await processStripeEvent({ db: app.ctx.db, gateway: app.ctx.stripe }, 'evt_unknown_type')).toBe('ignored');
    const [row] = await app.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, 'evt_unknown_type'));
    expect(row!.processedAt).toBeInstanceOf(Date);
  });

  test('when the body is not JSON but correctly signed, then 400, nothing is stored, and staff find it in the audit log', async () => {
    const payload = 'not json at all';
    const res = await postWebhook(app, payload, signed(payload));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'malformed event' });
    const [row] = await app.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.malformed'));
    expect(row!.detail).toMatchObject({ reason: 'not JSON', bytes: payload.length });
  });

  test.each([
    ['no id', { object: 'event', type: 'invoice.paid', created: 1, data: { object: {} } }],
    ['an id that is not an event id', { id: "evt_x'; DROP TABLE stripe_events;--", type: 'invoice.paid', created: 1, data: { object: {} } }],
    ['a created time that is text', { id: 'evt_badcreated', type: 'invoice.paid', created: 'yesterday', data: { object: {} } }],
    ['no data object', { id: 'evt_nodata', type: 'invoice.paid', created: 1 }],
    ['a type with HTML', { id: 'evt_htmltype', type: '<script>alert(1)</script>', created: 1, data: { object: {} } }],
    ['a huge id', { id: `evt_${'a'.repeat(5000)}`, type: 'invoice.paid', created: 1, data: { object: {} } }],
    ['a JSON array', [1, 2, 3]],
  ])('when a correctly signed event has %s, then 400 (never 500), nothing is stored, and it is recorded for staff', async (_label, body) => {
    const before = (await app.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.malformed'))).length;
    const eventsBefore = (await app.ctx.db.select().from(stripeEvents)).length;
    const payload = JSON.stringify(body);
    const res = await postWebhook(app, payload, signed(payload));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'malformed event' });
    expect(await app.ctx.db.select().from(stripeEvents)).toHaveLength(eventsBefore);
    expect(await app.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.malformed'))).toHaveLength(before + 1);
  });

  test('when the signature is dated more than five minutes in the future, then 400 and nothing is stored; a minute ahead (clock skew) is accepted', async () => {
    const ahead = event('evt_future');
    const res = await postWebhook(app, ahead, signed(ahead, TEST_WEBHOOK_SECRET, Math.floor(Date.now() / 1000) + 3600));
    expect(res.status).toBe(400);
    expect(await app.ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, 'evt_future'))).toHaveLength(0);
    const skewed = event('evt_skewed');
    expect((await postWebhook(app, skewed, signed(skewed, TEST_WEBHOOK_SECRET, Math.floor(Date.now() / 1000) + 60))).status).toBe(200);
  });
});
