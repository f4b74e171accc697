import type Stripe from 'stripe';
import { retryPastDue } from './billing';
import { noSuch } from './errors';
import { buildPaymentMethod } from './objects-catalog';
import { clone, type CardRecord, type Store } from './store';

/** A customer by id, or a 404 naming `param`. */
export function getCustomer(store: Store, id: string, param = 'id'): Stripe.Customer {
  const customer = store.state.customers[id];
  if (!customer) throw noSuch('customer', id, param);
  return customer;
}

/** The id of the customer's default payment method, if any. */
export function defaultPaymentMethodId(customer: Stripe.Customer): string | undefined {
  const pm = customer.invoice_settings.default_payment_method;
  return (typeof pm === 'string' ? pm : pm?.id) ?? undefined;
}

/** The card behind the customer's default payment method, if any. */
export function defaultCard(store: Store, customer: Stripe.Customer): CardRecord | undefined {
  const id = defaultPaymentMethodId(customer);
  return id ? store.state.cards[id] : undefined;
}

/** Stores a card as a payment method (attached to `customer` when given), without events. */
export function saveCard(store: Store, card: CardRecord, customer: Stripe.Customer | null, billing: { email?: string | null; name?: string | null }): Stripe.PaymentMethod {
  const pm = buildPaymentMethod(card, customer?.id ?? null, billing);
  store.state.cards[pm.id] = card;
  store.put('paymentMethods', pm);
  return pm;
}

/**
 * Makes a card the customer's default, as the Billing Portal does: payment_method.attached, customer.updated,
 * customer.subscription.updated for each live subscription, then retries the invoices of past_due ones.
 */
export function replaceDefaultCard(store: Store, customerId: string, card: CardRecord, name?: string | null): Stripe.PaymentMethod {
  const customer = getCustomer(store, customerId, 'customer');
  const pm = saveCard(store, card, customer, { email: customer.email, name: name ?? customer.name ?? null });
  store.emit('payment_method.attached', pm);

  const previousSettings = clone(customer.invoice_settings);
  customer.invoice_settings.default_payment_method = pm.id;
  store.put('customers', customer);
  store.emit('customer.updated', customer, { invoice_settings: previousSettings });

  for (const sub of Object.values(store.state.subscriptions)) {
    if (sub.customer !== customer.id || sub.status === 'canceled' || !sub.default_payment_method) continue;
    const previous = { default_payment_method: sub.default_payment_method };
    sub.default_payment_method = pm.id;
    store.put('subscriptions', sub);
    store.emit('customer.subscription.updated', sub, previous);
  }
  retryPastDue(store, customer.id);
  return pm;
}
