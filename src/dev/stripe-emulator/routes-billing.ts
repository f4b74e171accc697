import type Stripe from 'stripe';
import { cancelNow, getSubscription, setCancelAtPeriodEnd, switchPrice } from './billing';
import { createCheckoutSession, expireIfDue } from './checkout';
import { getCustomer } from './customers';
import { invalidParam, invalidRequest, noSuch } from './errors';
import { paginate } from './expand';
import { json, type Router } from './http';
import { apiList } from './objects-catalog';
import { buildPortalSession } from './objects-sessions';
import { bool, change, mergeMetadata, obj, objList, str, type Params } from './params';
import { mountPortalConfigurationRoutes, portalConfigurationFor } from './routes-portal-config';
import { newId, nowSeconds, type Store } from './store';

function sessionOrThrow(store: Store, id: string): Stripe.Checkout.Session {
  const session = store.state.checkoutSessions[id];
  if (!session) throw noSuch('checkout.session', id);
  expireIfDue(store, session);
  return session;
}

/** `flow_data` of a portal session: the emulator supports Stripe's `subscription_cancel` deep link. */
function portalFlow(store: Store, customerId: string, flow: Params | undefined): Stripe.BillingPortal.Session.Flow | null {
  if (!flow) return null;
  const type = str(flow, 'type', 'flow_data[');
  if (type !== 'subscription_cancel') throw invalidParam('flow_data[type]', `The emulator supports flow_data[type]=subscription_cancel only, not ${type ?? 'nothing'}.`);
  const subscriptionId = str(obj(flow, 'subscription_cancel', 'flow_data[') ?? {}, 'subscription', 'flow_data[subscription_cancel][');
  if (!subscriptionId)
    throw invalidParam('flow_data[subscription_cancel][subscription]', 'Missing required param: flow_data[subscription_cancel][subscription].', 'parameter_missing');
  const sub = getSubscription(store, subscriptionId);
  if (sub.customer !== customerId)
    throw invalidParam('flow_data[subscription_cancel][subscription]', `The subscription ${subscriptionId} does not belong to the customer ${customerId}.`);
  const after = obj(flow, 'after_completion', 'flow_data[');
  const afterType = (after ? str(after, 'type', 'flow_data[after_completion][') : undefined) ?? 'portal_homepage';
  const redirectUrl = after ? str(obj(after, 'redirect', 'flow_data[after_completion][') ?? {}, 'return_url', 'flow_data[after_completion][redirect][') : undefined;
  if (afterType === 'redirect' && !redirectUrl)
    throw invalidParam('flow_data[after_completion][redirect][return_url]', 'Missing required param: flow_data[after_completion][redirect][return_url].', 'parameter_missing');
  return {
    type: 'subscription_cancel',
    after_completion: {
      type: afterType as Stripe.BillingPortal.Session.Flow.AfterCompletion.Type,
      hosted_confirmation: null,
      redirect: afterType === 'redirect' ? { return_url: redirectUrl! } : null,
    },
    subscription_cancel: { subscription: subscriptionId, retention: null },
    subscription_update: null,
    subscription_update_confirm: null,
    customer_update: null,
    subscription_pause: null,
  } as Stripe.BillingPortal.Session.Flow;
}

function updateSubscription(store: Store, sub: Stripe.Subscription, input: Params): Stripe.Subscription {
  const items = objList(input, 'items');
  if (items && items.length > 0) {
    if (items.length > 1) throw invalidParam('items', 'The emulator supports one item per subscription.');
    const item = items[0]!;
    const itemId = str(item, 'id', 'items[0][');
    if (itemId && itemId !== sub.items.data[0]?.id) throw noSuch('subscription_item', itemId, 'items[0][id]');
    const priceId = str(item, 'price', 'items[0][');
    if (priceId) {
      const price = store.state.prices[priceId];
      if (!price) throw noSuch('price', priceId, 'items[0][price]');
      if (!price.active) throw invalidParam('items[0][price]', 'The price specified is inactive. This field only accepts active prices.');
      // Any proration_behavior is treated as 'none': the new amount applies from the next invoice.
      switchPrice(store, sub, price);
    }
  }
  const cancel = bool(input, 'cancel_at_period_end');
  if (cancel !== undefined) {
    const details = obj(input, 'cancellation_details');
    setCancelAtPeriodEnd(store, sub, cancel, details ? { comment: str(details, 'comment'), feedback: str(details, 'feedback') } : {});
  }
  const description = str(input, 'description');
  const pm = str(input, 'default_payment_method');
  if (input.metadata !== undefined || description !== undefined || pm !== undefined) {
    if (pm && !store.state.paymentMethods[pm]) throw noSuch('payment_method', pm, 'default_payment_method');
    const previous: Record<string, unknown> = {};
    change(sub, previous, 'metadata', input.metadata === undefined ? undefined : mergeMetadata(sub.metadata, input));
    change(sub, previous, 'description', description === undefined ? undefined : description || null);
    change(sub, previous, 'default_payment_method', pm === undefined ? undefined : pm || null);
    store.put('subscriptions', sub);
    store.emit('customer.subscription.updated', sub, previous);
  }
  return sub;
}

/** Mounts checkout sessions, subscriptions, invoices, invoice payments and billing portal sessions. */
export function mountBillingRoutes(router: Router, store: Store, baseUrl: () => string): void {
  router.api('POST', '/v1/checkout/sessions', ({ input }) => json(createCheckoutSession(store, baseUrl(), input)));
  router.api('GET', '/v1/checkout/sessions/:id', ({ params }) => json(sessionOrThrow(store, params.id!)));
  // Stripe's own "expire a session" call: an open session ends now, with checkout.session.expired.
  router.api('POST', '/v1/checkout/sessions/:id/expire', ({ params }) => {
    const session = sessionOrThrow(store, params.id!);
    if (session.status !== 'open')
      throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`);
    session.expires_at = Math.min(session.expires_at, nowSeconds());
    expireIfDue(store, session);
    return json(session);
  });
  router.api('GET', '/v1/checkout/sessions/:id/line_items', ({ params, input }) => {
    sessionOrThrow(store, params.id!);
    const items = store.state.sessionLineItems[params.id!] ?? [];
    const page = paginate(
      items.map((item, i) => ({ ...item, created: items.length - i })),
      input,
      `/v1/checkout/sessions/${params.id}/line_items`,
    );
    return json(
      apiList(
        page.data.map(({ created: _created, ...item }) => item),
        page.url,
        page.has_more,
      ),
    );
  });
  router.api('GET', '/v1/checkout/sessions', ({ input }) => {
    const f = (k: string) => str(input, k);
    const items = Object.values(store.state.checkoutSessions).filter(
      (s) =>
        (!f('customer') || s.customer === f('customer')) &&
        (!f('subscription') || s.subscription === f('subscription')) &&
        (!f('payment_intent') || s.payment_intent === f('payment_intent')) &&
        (!f('status') || s.status === f('status')),
    );
    return json(paginate(items, input, '/v1/checkout/sessions'));
  });

  router.api('GET', '/v1/subscriptions/:id', ({ params }) => json(getSubscription(store, params.id!)));
  router.api('POST', '/v1/subscriptions/:id', ({ params, input }) => json(updateSubscription(store, getSubscription(store, params.id!), input)));
  router.api('DELETE', '/v1/subscriptions/:id', ({ params }) => {
    const sub = getSubscription(store, params.id!);
    cancelNow(store, sub);
    return json(sub);
  });
  router.api('GET', '/v1/subscriptions', ({ input }) => {
    const customer = str(input, 'customer');
    const status = str(input, 'status');
    const price = str(input, 'price');
    const items = Object.values(store.state.subscriptions).filter(
      (s) =>
        (!customer || s.customer === customer) &&
        (!price || s.items.data.some((i) => i.price.id === price)) &&
        (status === 'all' || (status ? s.status === status : s.status !== 'canceled')),
    );
    return json(paginate(items, input, '/v1/subscriptions'));
  });

  router.api('GET', '/v1/invoices/:id', ({ params }) => {
    const invoice = store.state.invoices[params.id!];
    if (!invoice) throw noSuch('invoice', params.id!);
    return json(invoice);
  });
  router.api('GET', '/v1/invoices', ({ input }) => {
    const f = (k: string) => str(input, k);
    const items = Object.values(store.state.invoices).filter(
      (i) =>
        (!f('customer') || i.customer === f('customer')) &&
        (!f('status') || i.status === f('status')) &&
        (!f('subscription') || i.parent?.subscription_details?.subscription === f('subscription')),
    );
    return json(paginate(items, input, '/v1/invoices'));
  });
  router.api('GET', '/v1/invoice_payments/:id', ({ params }) => {
    const payment = store.state.invoicePayments[params.id!];
    if (!payment) throw noSuch('invoice_payment', params.id!);
    return json(payment);
  });
  router.api('GET', '/v1/invoice_payments', ({ input }) => {
    const invoice = str(input, 'invoice');
    const payment = obj(input, 'payment');
    const pi = payment ? str(payment, 'payment_intent', 'payment[') : undefined;
    const items = Object.values(store.state.invoicePayments).filter((p) => (!invoice || p.invoice === invoice) && (!pi || p.payment.payment_intent === pi));
    return json(paginate(items, input, '/v1/invoice_payments'));
  });

  router.api('POST', '/v1/billing_portal/sessions', ({ input }) => {
    const customerId = str(input, 'customer');
    if (!customerId) throw invalidParam('customer', 'Missing required param: customer.', 'parameter_missing');
    getCustomer(store, customerId, 'customer');
    const configuration = portalConfigurationFor(store, str(input, 'configuration'));
    const returnUrl = str(input, 'return_url') ?? configuration.default_return_url;
    if (!returnUrl) throw invalidRequest('You must provide a return_url or set a default_return_url on the portal configuration.');
    const id = newId('bps', 24);
    const session = buildPortalSession({
      id,
      url: `${baseUrl()}/portal/${id}`,
      configuration: configuration.id,
      customer: customerId,
      locale: (str(input, 'locale') as Stripe.BillingPortal.Session.Locale | undefined) ?? null,
      returnUrl,
    });
    session.flow = portalFlow(store, customerId, obj(input, 'flow_data'));
    store.put('portalSessions', session);
    return json(session);
  });
  mountPortalConfigurationRoutes(router, store);
}
