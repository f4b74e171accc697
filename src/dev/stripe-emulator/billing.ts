import type Stripe from 'stripe';
import { invalidRequest, noSuch } from './errors';
import { planFromPrice } from './objects-catalog';
import { buildInvoicePayment, buildSubscription, buildSubscriptionInvoice, periodEnd } from './objects-billing';
import { buildPaymentIntent } from './objects-payments';
import { attemptPayment } from './payments';
import { clone, nowSeconds, type Store } from './store';

const RETRY_AFTER_SECONDS = 3 * 86_400;

/** The product behind a price. */
export function productOf(store: Store, price: Stripe.Price): Stripe.Product | undefined {
  return store.state.products[typeof price.product === 'string' ? price.product : price.product.id];
}

/** The name a person sees as the merchant: product metadata `merchant_name`, its statement descriptor, or its name. */
export function merchantName(product: Stripe.Product | undefined): string {
  return product?.metadata.merchant_name || product?.statement_descriptor || product?.name || 'Stripe';
}

/** A subscription by id, or a 404. */
export function getSubscription(store: Store, id: string): Stripe.Subscription {
  const sub = store.state.subscriptions[id];
  if (!sub) throw noSuch('subscription', id);
  return sub;
}

function firstItem(sub: Stripe.Subscription): Stripe.SubscriptionItem {
  const item = sub.items.data[0];
  if (!item) throw invalidRequest(`Subscription ${sub.id} has no items.`);
  return item;
}

function customerOf(store: Store, sub: Stripe.Subscription): Stripe.Customer {
  const id = typeof sub.customer === 'string' ? sub.customer : sub.customer.id;
  const customer = store.state.customers[id];
  if (!customer) throw noSuch('customer', id, 'customer');
  return customer;
}

function draftInvoice(store: Store, sub: Stripe.Subscription, reason: 'subscription_create' | 'subscription_cycle', at: number): Stripe.Invoice {
  const item = firstItem(sub);
  const product = productOf(store, item.price);
  return buildSubscriptionInvoice({
    subscription: sub,
    item,
    customer: customerOf(store, sub),
    billingReason: reason,
    created: at,
    accountName: merchantName(product),
    productName: product?.name ?? 'Subscription',
  });
}

/** Stores a draft invoice (invoice.created) and finalizes it (invoice.finalized). */
function openInvoice(store: Store, invoice: Stripe.Invoice, customer: Stripe.Customer, at: number): void {
  store.put('invoices', invoice);
  store.emit('invoice.created', invoice);
  finalizeInvoice(store, invoice, customer, at);
}

function finalizeInvoice(store: Store, invoice: Stripe.Invoice, customer: Stripe.Customer, at: number): void {
  const sequence = customer.next_invoice_sequence ?? 1;
  customer.next_invoice_sequence = sequence + 1;
  store.put('customers', customer);
  invoice.number = `${customer.invoice_prefix ?? 'EMUL'}-${String(sequence).padStart(4, '0')}`;
  invoice.status = 'open';
  invoice.effective_at = at;
  invoice.status_transitions.finalized_at = at;
  invoice.hosted_invoice_url = null;
  store.put('invoices', invoice);
  store.emit('invoice.finalized', invoice);
}

/**
 * Tries to pay an open invoice with the subscription's (or customer's) default card, reusing the invoice's
 * payment intent across attempts as Stripe does. Emits the charge and invoice events; true when paid.
 */
export function collectInvoice(store: Store, invoice: Stripe.Invoice, sub: Stripe.Subscription, at: number): boolean {
  const customer = customerOf(store, sub);
  const pmId =
    (typeof sub.default_payment_method === 'string' ? sub.default_payment_method : sub.default_payment_method?.id) ??
    (typeof customer.invoice_settings.default_payment_method === 'string'
      ? customer.invoice_settings.default_payment_method
      : customer.invoice_settings.default_payment_method?.id);

  let link = Object.values(store.state.invoicePayments).find((p) => p.invoice === invoice.id && p.status === 'open');
  let pi = link?.payment.payment_intent ? store.state.paymentIntents[String(link.payment.payment_intent)] : undefined;
  if (!link || !pi) {
    pi = buildPaymentIntent({
      amount: invoice.amount_due,
      currency: invoice.currency,
      customer: customer.id,
      description: invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
      metadata: {},
      paymentMethod: pmId ?? null,
      receiptEmail: null,
      created: at,
    });
    link = buildInvoicePayment(invoice, pi.id, at);
    store.put('paymentIntents', pi);
    store.put('invoicePayments', link);
  }
  invoice.attempt_count += 1;
  invoice.attempted = true;

  const paid = pmId ? attemptPayment(store, pi, pmId, at).ok : false;
  if (paid) {
    invoice.status = 'paid';
    invoice.amount_paid = invoice.amount_due;
    invoice.amount_remaining = 0;
    invoice.status_transitions.paid_at = at;
    invoice.next_payment_attempt = null;
    link.status = 'paid';
    link.amount_paid = invoice.amount_due;
    link.status_transitions.paid_at = at;
    store.put('invoicePayments', link);
    store.put('invoices', invoice);
    store.emit('invoice.paid', invoice);
    store.emit('invoice.payment_succeeded', invoice);
  } else {
    invoice.next_payment_attempt = at + RETRY_AFTER_SECONDS;
    store.put('invoices', invoice);
    store.emit('invoice.payment_failed', invoice);
  }
  return paid;
}

function setStatus(store: Store, sub: Stripe.Subscription, status: Stripe.Subscription.Status): void {
  if (sub.status === status) return;
  const previous = { status: sub.status };
  sub.status = status;
  store.put('subscriptions', sub);
  store.emit('customer.subscription.updated', sub, previous);
}

/** Starts a paid subscription the way Checkout does: subscription, first invoice, its payment and the events. */
export function startSubscription(
  store: Store,
  input: { customer: Stripe.Customer; price: Stripe.Price; quantity: number; metadata: Stripe.Metadata; description: string | null; paymentMethod: string },
): { subscription: Stripe.Subscription; invoice: Stripe.Invoice } {
  const at = nowSeconds();
  const sub = buildSubscription({ ...input, customer: input.customer.id, defaultPaymentMethod: input.paymentMethod, start: at });
  // The invoice id is known before the subscription is announced, as in Stripe's payload.
  const invoice = draftInvoice(store, sub, 'subscription_create', at);
  sub.latest_invoice = invoice.id;
  store.put('subscriptions', sub);
  store.emit('customer.subscription.created', sub);
  openInvoice(store, invoice, input.customer, at);
  collectInvoice(store, invoice, sub, at);
  return { subscription: sub, invoice };
}

/**
 * Moves a subscription to its next period like a test clock: cancels it when cancel_at_period_end, otherwise
 * invoices the next month at the current price and charges the default card (past_due when declined).
 */
export function advanceSubscription(store: Store, id: string): { invoiceId?: string } {
  const sub = getSubscription(store, id);
  if (sub.status === 'canceled') throw invalidRequest(`Subscription ${id} is canceled and cannot be advanced.`);
  const item = firstItem(sub);

  if (sub.cancel_at_period_end) {
    const previous = { status: sub.status, ended_at: sub.ended_at };
    sub.status = 'canceled';
    sub.ended_at = item.current_period_end;
    sub.canceled_at = sub.canceled_at ?? nowSeconds();
    sub.cancellation_details = { ...(sub.cancellation_details ?? { comment: null, feedback: null, feedback_option: null }), reason: 'cancellation_requested' };
    store.put('subscriptions', sub);
    store.emit('customer.subscription.deleted', sub, previous);
    return {};
  }

  // Stripe announces the new period (and the new latest_invoice) first, then creates the renewal invoice.
  const previous = { items: clone(sub.items), latest_invoice: sub.latest_invoice };
  const start = item.current_period_end;
  item.current_period_start = start;
  item.current_period_end = periodEnd(start, item.price, sub.billing_cycle_anchor_config?.day_of_month);
  const invoice = draftInvoice(store, sub, 'subscription_cycle', start);
  sub.latest_invoice = invoice.id;
  store.put('subscriptions', sub);
  store.emit('customer.subscription.updated', sub, previous);
  openInvoice(store, invoice, customerOf(store, sub), start);
  const paid = collectInvoice(store, invoice, sub, start);
  setStatus(store, sub, paid ? 'active' : 'past_due');
  return { invoiceId: invoice.id };
}

/** Switches the subscription's item to another recurring price; the new amount applies from the next invoice. */
export function switchPrice(store: Store, sub: Stripe.Subscription, price: Stripe.Price): void {
  if (!price.recurring) throw invalidRequest(`The price ${price.id} is not recurring and cannot be used for a subscription.`);
  if (price.currency !== sub.currency) throw invalidRequest(`The price ${price.id} is in ${price.currency}, the subscription in ${sub.currency}.`);
  const item = firstItem(sub);
  if (item.price.id === price.id) return;
  const previous = { items: clone(sub.items) };
  item.price = clone(price);
  item.plan = planFromPrice(price);
  store.put('subscriptions', sub);
  store.emit('customer.subscription.updated', sub, previous);
}

/** Sets or clears cancellation at the end of the current period. */
export function setCancelAtPeriodEnd(store: Store, sub: Stripe.Subscription, cancel: boolean, details: { comment?: string; feedback?: string } = {}): void {
  if (sub.status === 'canceled') throw invalidRequest(`A canceled subscription can only update its cancellation_details and metadata.`);
  if (sub.cancel_at_period_end === cancel) return;
  const previous = {
    cancel_at_period_end: sub.cancel_at_period_end,
    cancel_at: sub.cancel_at,
    canceled_at: sub.canceled_at,
    cancellation_details: clone(sub.cancellation_details),
  };
  sub.cancel_at_period_end = cancel;
  sub.cancel_at = cancel ? firstItem(sub).current_period_end : null;
  sub.canceled_at = cancel ? nowSeconds() : null;
  sub.cancellation_details = {
    comment: (cancel && details.comment) || null,
    feedback: ((cancel && details.feedback) || null) as Stripe.Subscription.CancellationDetails.Feedback | null,
    feedback_option: null,
    reason: cancel ? 'cancellation_requested' : null,
  };
  store.put('subscriptions', sub);
  store.emit('customer.subscription.updated', sub, previous);
}

/** Cancels a subscription now (DELETE /v1/subscriptions/:id). */
export function cancelNow(store: Store, sub: Stripe.Subscription): void {
  if (sub.status === 'canceled') throw invalidRequest(`No such subscription: '${sub.id}' (already canceled)`, 'resource_missing');
  const at = nowSeconds();
  const previous = { status: sub.status };
  sub.status = 'canceled';
  sub.canceled_at = at;
  sub.ended_at = at;
  sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' };
  store.put('subscriptions', sub);
  store.emit('customer.subscription.deleted', sub, previous);
}

/** Retries the open invoices of the customer's past_due subscriptions (after a card update). */
export function retryPastDue(store: Store, customerId: string): void {
  const subs = Object.values(store.state.subscriptions).filter((s) => s.customer === customerId && s.status === 'past_due');
  for (const sub of subs) {
    const open = Object.values(store.state.invoices)
      .filter((i) => i.status === 'open' && i.parent?.subscription_details?.subscription === sub.id)
      .sort((a, b) => a.created - b.created);
    let allPaid = true;
    for (const invoice of open) {
      if (!collectInvoice(store, invoice, sub, Math.max(nowSeconds(), invoice.created))) {
        allPaid = false;
        break;
      }
    }
    if (allPaid) setStatus(store, sub, 'active');
  }
}
