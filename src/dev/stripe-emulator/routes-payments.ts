import type Stripe from 'stripe';
import { invalidParam, missingParam, noSuch } from './errors';
import { paginate } from './expand';
import { json, type Router } from './http';
import { int, mergeMetadata, str, strList } from './params';
import { refundCharge } from './payments';
import { newId, type Store } from './store';
import { buildWebhookEndpoint } from './objects-sessions';

function byId<T>(record: Record<string, T>, kind: string, id: string): T {
  const found = record[id];
  if (!found) throw noSuch(kind, id);
  return found;
}

/** A webhook endpoint as the API shows it after creation (the secret is never shown again). */
function withoutSecret(endpoint: Stripe.WebhookEndpoint): Stripe.WebhookEndpoint {
  const { secret: _secret, ...rest } = endpoint;
  return rest;
}

/** Creates a webhook endpoint with a new signing secret unless one is given. */
export function createWebhookEndpoint(
  store: Store,
  input: { url: string; secret?: string; enabledEvents?: string[]; description?: string | null; metadata?: Stripe.Metadata },
): Stripe.WebhookEndpoint {
  const endpoint = buildWebhookEndpoint({
    url: input.url,
    secret: input.secret ?? `whsec_${newId('x', 32).slice(2)}`,
    enabledEvents: input.enabledEvents ?? ['*'],
    description: input.description ?? null,
    metadata: input.metadata ?? {},
    apiVersion: null,
  });
  return store.put('webhookEndpoints', endpoint);
}

/** Mounts payment intents, charges, balance transactions, refunds, disputes, events and webhook endpoints. */
export function mountPaymentRoutes(router: Router, store: Store): void {
  const s = store.state;
  router.api('GET', '/v1/payment_intents/:id', ({ params }) => json(byId(s.paymentIntents, 'payment_intent', params.id!)));
  router.api('GET', '/v1/payment_intents', ({ input }) => {
    const customer = str(input, 'customer');
    return json(
      paginate(
        Object.values(s.paymentIntents).filter((pi) => !customer || pi.customer === customer),
        input,
        '/v1/payment_intents',
      ),
    );
  });
  router.api('GET', '/v1/charges/:id', ({ params }) => json(byId(s.charges, 'charge', params.id!)));
  router.api('GET', '/v1/charges', ({ input }) => {
    const customer = str(input, 'customer');
    const pi = str(input, 'payment_intent');
    return json(
      paginate(
        Object.values(s.charges).filter((c) => (!customer || c.customer === customer) && (!pi || c.payment_intent === pi)),
        input,
        '/v1/charges',
      ),
    );
  });
  router.api('GET', '/v1/balance_transactions/:id', ({ params }) => json(byId(s.balanceTransactions, 'balance_transaction', params.id!)));
  router.api('GET', '/v1/balance_transactions', ({ input }) => {
    const source = str(input, 'source');
    const type = str(input, 'type');
    return json(
      paginate(
        Object.values(s.balanceTransactions).filter((b) => (!source || b.source === source) && (!type || b.type === type)),
        input,
        '/v1/balance_transactions',
      ),
    );
  });

  router.api('POST', '/v1/refunds', ({ input }) => {
    let chargeId = str(input, 'charge');
    const piId = str(input, 'payment_intent');
    if (!chargeId && !piId) throw missingParam('charge');
    if (!chargeId && piId) {
      const pi = byId(s.paymentIntents, 'payment_intent', piId);
      if (pi.status !== 'succeeded' || !pi.latest_charge)
        throw invalidParam('payment_intent', `This PaymentIntent (${piId}) does not have a successful charge to refund.`, 'charge_not_refundable');
      chargeId = typeof pi.latest_charge === 'string' ? pi.latest_charge : pi.latest_charge.id;
    }
    const charge = s.charges[chargeId!];
    if (!charge) throw noSuch('charge', chargeId!, 'charge');
    const reason = str(input, 'reason') as Stripe.Refund.Reason | undefined;
    if (reason && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(reason)) {
      throw invalidParam('reason', 'Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer');
    }
    return json(refundCharge(store, charge, { amount: int(input, 'amount'), reason: reason ?? null, metadata: mergeMetadata({}, input) }));
  });
  router.api('GET', '/v1/refunds/:id', ({ params }) => json(byId(s.refunds, 'refund', params.id!)));
  router.api('GET', '/v1/refunds', ({ input }) => {
    const charge = str(input, 'charge');
    const pi = str(input, 'payment_intent');
    return json(
      paginate(
        Object.values(s.refunds).filter((r) => (!charge || r.charge === charge) && (!pi || r.payment_intent === pi)),
        input,
        '/v1/refunds',
      ),
    );
  });
  router.api('GET', '/v1/disputes/:id', ({ params }) => json(byId(s.disputes, 'dispute', params.id!)));
  router.api('GET', '/v1/disputes', ({ input }) => {
    const charge = str(input, 'charge');
    return json(
      paginate(
        Object.values(s.disputes).filter((d) => !charge || d.charge === charge),
        input,
        '/v1/disputes',
      ),
    );
  });

  router.api('GET', '/v1/events/:id', ({ params }) => {
    const event = s.events.find((e) => e.id === params.id);
    if (!event) throw noSuch('event', params.id!);
    return json(event);
  });
  router.api('GET', '/v1/events', ({ input }) => {
    const type = str(input, 'type');
    const types = strList(input, 'types');
    const matches = (t: string) => (!type || (type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type)) && (!types || types.includes(t));
    return json(
      paginate(
        s.events.filter((e) => matches(e.type)),
        input,
        '/v1/events',
      ),
    );
  });

  router.api('POST', '/v1/webhook_endpoints', ({ input }) => {
    const url = str(input, 'url');
    if (!url) throw missingParam('url');
    const enabledEvents = strList(input, 'enabled_events');
    if (!enabledEvents || enabledEvents.length === 0) throw missingParam('enabled_events');
    return json(createWebhookEndpoint(store, { url, enabledEvents, description: str(input, 'description') ?? null, metadata: mergeMetadata({}, input) }));
  });
  router.api('GET', '/v1/webhook_endpoints/:id', ({ params }) => json(withoutSecret(byId(s.webhookEndpoints, 'webhook_endpoint', params.id!))));
  router.api('POST', '/v1/webhook_endpoints/:id', ({ params, input }) => {
    const endpoint = byId(s.webhookEndpoints, 'webhook_endpoint', params.id!);
    const url = str(input, 'url');
    if (url) endpoint.url = url;
    const enabledEvents = strList(input, 'enabled_events');
    if (enabledEvents) endpoint.enabled_events = enabledEvents;
    const disabled = str(input, 'disabled');
    if (disabled !== undefined) endpoint.status = disabled === 'true' ? 'disabled' : 'enabled';
    if (input.metadata !== undefined) endpoint.metadata = mergeMetadata(endpoint.metadata, input);
    store.put('webhookEndpoints', endpoint);
    return json(withoutSecret(endpoint));
  });
  router.api('GET', '/v1/webhook_endpoints', ({ input }) => json(paginate(Object.values(s.webhookEndpoints).map(withoutSecret), input, '/v1/webhook_endpoints')));
  router.api('DELETE', '/v1/webhook_endpoints/:id', ({ params }) => {
    byId(s.webhookEndpoints, 'webhook_endpoint', params.id!);
    delete s.webhookEndpoints[params.id!];
    store.changed();
    return json({ id: params.id, object: 'webhook_endpoint', deleted: true });
  });
}
