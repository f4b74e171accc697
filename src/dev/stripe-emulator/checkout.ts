import type Stripe from 'stripe';
import { startSubscription } from './billing';
import { checkCard, type CardInput, type CardProblem } from './cards';
import { getCustomer, saveCard } from './customers';
import { invalidParam, invalidRequest, missingParam, noSuch } from './errors';
import { buildCustomer, buildLineItem, buildPrice, buildProduct } from './objects-catalog';
import { buildPaymentIntent } from './objects-payments';
import { buildCheckoutSession } from './objects-sessions';
import { int, mergeMetadata, obj, objList, reqStr, str, type Params } from './params';
import { attemptPayment } from './payments';
import { newId, nowSeconds, type Store } from './store';

/** Resolves `line_items[i]` into a price (creating inline prices for `price_data`) and a quantity. */
function lineItemPrice(store: Store, item: Params, i: number): { price: Stripe.Price; quantity: number } {
  const prefix = `line_items[${i}][`;
  const quantity = int(item, 'quantity', prefix) ?? 1;
  if (quantity < 1) throw invalidParam(`line_items[${i}][quantity]`, 'Quantity must be at least 1.');
  const priceId = str(item, 'price', prefix);
  if (priceId) {
    const price = store.state.prices[priceId];
    if (!price) throw noSuch('price', priceId, `line_items[${i}][price]`);
    if (!price.active) throw invalidParam(`line_items[${i}][price]`, `The price specified is inactive. This field only accepts active prices.`);
    return { price, quantity };
  }
  const data = obj(item, 'price_data', prefix);
  if (!data) throw missingParam(`line_items[${i}][price]`);
  const p = `line_items[${i}][price_data][`;
  const unitAmount = int(data, 'unit_amount', p);
  if (unitAmount === undefined) throw missingParam(`line_items[${i}][price_data][unit_amount]`);
  if (unitAmount < 50) throw invalidParam(`line_items[${i}][price_data][unit_amount]`, 'Amount must be at least ¥50 jpy.', 'amount_too_small');
  let productId = str(data, 'product', p);
  if (productId) {
    if (!store.state.products[productId]) throw noSuch('product', productId, `line_items[${i}][price_data][product]`);
  } else {
    const productData = obj(data, 'product_data', p);
    if (!productData) throw missingParam(`line_items[${i}][price_data][product_data]`);
    const product = buildProduct({
      name: reqStr(productData, 'name', `${p}product_data][`),
      description: str(productData, 'description') ?? null,
      metadata: mergeMetadata({}, productData),
      active: false,
    });
    store.put('products', product);
    productId = product.id;
  }
  const recurring = obj(data, 'recurring', p);
  const interval = recurring ? (reqStr(recurring, 'interval', `${p}recurring][`) as Stripe.Price.Recurring.Interval) : undefined;
  // Inline prices exist but are inactive, so they never show up in price lists.
  const price = buildPrice({
    product: productId,
    unitAmount,
    currency: reqStr(data, 'currency', p).toLowerCase(),
    recurring: interval ? { interval, interval_count: (recurring && int(recurring, 'interval_count')) ?? 1 } : null,
    active: false,
  });
  store.put('prices', price);
  return { price, quantity };
}

/** Creates an open checkout session from API parameters; its hosted page is `<baseUrl>/checkout/<id>`. */
export function createCheckoutSession(store: Store, baseUrl: string, p: Params): Stripe.Checkout.Session {
  const mode = reqStr(p, 'mode');
  if (mode !== 'payment' && mode !== 'subscription') throw invalidParam('mode', `Invalid mode: must be one of payment or subscription (the emulator does not support '${mode}').`);
  const items = objList(p, 'line_items');
  if (!items || items.length === 0) throw missingParam('line_items');
  const customerId = str(p, 'customer');
  if (customerId) getCustomer(store, customerId, 'customer');
  const customerEmail = str(p, 'customer_email');
  if (customerId && customerEmail) throw invalidRequest('You may only specify one of these parameters: customer, customer_email.');
  const successUrl = reqStr(p, 'success_url');
  const resolved = items.map((item, i) => lineItemPrice(store, item, i));
  const recurring = resolved.filter((r) => r.price.recurring);
  if (mode === 'subscription' && recurring.length === 0) {
    throw invalidParam('line_items', 'You must provide at least one recurring price in `subscription` mode when using prices.');
  }
  if (mode === 'subscription' && resolved.length > 1) throw invalidParam('line_items', 'The emulator supports one line item per subscription.');
  if (mode === 'payment' && recurring.length > 0) {
    throw invalidParam('line_items', 'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.');
  }
  const currency = resolved[0]!.price.currency;
  if (resolved.some((r) => r.price.currency !== currency)) throw invalidParam('line_items', 'All prices must be in the same currency.');

  const id = newId('cs_test', 58);
  const session = buildCheckoutSession({
    id,
    url: `${baseUrl}/checkout/${id}`,
    mode,
    customer: customerId ?? null,
    customerEmail: customerEmail ?? null,
    amountTotal: resolved.reduce((sum, r) => sum + (r.price.unit_amount ?? 0) * r.quantity, 0),
    currency,
    successUrl,
    cancelUrl: str(p, 'cancel_url') ?? null,
    locale: (str(p, 'locale') as Stripe.Checkout.Session.Locale | undefined) ?? null,
    metadata: mergeMetadata({}, p),
    clientReferenceId: str(p, 'client_reference_id') ?? null,
    submitType: (str(p, 'submit_type') as Stripe.Checkout.Session.SubmitType | undefined) ?? null,
    customerCreation: mode === 'payment' && !customerId ? ((str(p, 'customer_creation') as Stripe.Checkout.Session.CustomerCreation | undefined) ?? 'if_required') : null,
  });
  const subscriptionData = obj(p, 'subscription_data') ?? {};
  const paymentIntentData = obj(p, 'payment_intent_data') ?? {};
  store.state.checkoutOptions[id] = {
    subscriptionMetadata: mergeMetadata({}, subscriptionData),
    subscriptionDescription: str(subscriptionData, 'description') ?? null,
    paymentIntentMetadata: mergeMetadata({}, paymentIntentData),
    paymentIntentDescription: str(paymentIntentData, 'description') ?? null,
  };
  store.state.sessionLineItems[id] = resolved.map((r) => buildLineItem(r.price, r.quantity, store.state.products[String(r.price.product)]?.name ?? ''));
  store.put('checkoutSessions', session);
  return session;
}

/** Marks an open session whose time ran out as expired (checkout.session.expired). */
export function expireIfDue(store: Store, session: Stripe.Checkout.Session): void {
  if (session.status !== 'open' || session.expires_at > nowSeconds()) return;
  session.status = 'expired';
  store.put('checkoutSessions', session);
  store.emit('checkout.session.expired', session);
}

/** What the hosted page submits. */
export interface CheckoutPayment {
  card: CardInput;
  email?: string;
  name?: string;
  /** Used when neither the form, the customer nor the session has an email (scripted payments). */
  defaultEmail?: string;
}

export type CheckoutResult = { ok: true; redirectUrl: string } | { ok: false; status: 400 | 402 | 409; problem: CardProblem | 'declined' | 'not_open' | 'missing_email' };

/** Pays an open session as the hosted page does; nothing is created when the card is refused. */
export function payCheckoutSession(store: Store, sessionId: string, input: CheckoutPayment): CheckoutResult {
  const session = store.state.checkoutSessions[sessionId];
  if (!session) throw noSuch('checkout.session', sessionId);
  expireIfDue(store, session);
  if (session.status !== 'open') return { ok: false, status: 409, problem: 'not_open' };
  const check = checkCard(input.card);
  if (!check.ok) return { ok: false, status: 400, problem: check.problem };
  if (check.behaviour !== 'succeeds') return { ok: false, status: 402, problem: 'declined' };

  let customer = session.customer ? getCustomer(store, String(session.customer), 'customer') : undefined;
  const email = input.email?.trim() || customer?.email || session.customer_email || input.defaultEmail;
  if (!email) return { ok: false, status: 400, problem: 'missing_email' };
  const name = input.name?.trim() || customer?.name || null;
  if (!customer && (session.mode === 'subscription' || session.customer_creation === 'always')) {
    customer = store.put('customers', buildCustomer({ email, name, preferred_locales: session.locale && session.locale !== 'auto' ? [session.locale] : [] }));
    store.emit('customer.created', customer);
  }
  const pm = saveCard(store, check.card, customer ?? null, { email, name });
  if (customer) {
    // Checkout keeps the card for future payments.
    customer.invoice_settings.default_payment_method = pm.id;
    store.put('customers', customer);
  }
  const options = store.state.checkoutOptions[sessionId];
  const lineItems = store.state.sessionLineItems[sessionId] ?? [];

  if (session.mode === 'subscription') {
    const item = lineItems[0];
    if (!item?.price || !customer) throw invalidRequest('The session has no recurring line item.');
    const { subscription, invoice } = startSubscription(store, {
      customer,
      price: item.price,
      quantity: item.quantity ?? 1,
      metadata: { ...(options?.subscriptionMetadata ?? {}) },
      description: options?.subscriptionDescription ?? null,
      paymentMethod: pm.id,
    });
    session.subscription = subscription.id;
    session.invoice = invoice.id;
  } else {
    const pi = buildPaymentIntent({
      amount: session.amount_total ?? 0,
      currency: session.currency ?? 'jpy',
      customer: customer?.id ?? null,
      description: options?.paymentIntentDescription ?? null,
      metadata: { ...(options?.paymentIntentMetadata ?? {}) },
      paymentMethod: pm.id,
      receiptEmail: email,
      created: nowSeconds(),
    });
    store.put('paymentIntents', pi);
    attemptPayment(store, pi, pm.id, pi.created);
    session.payment_intent = pi.id;
  }
  session.status = 'complete';
  session.payment_status = 'paid';
  session.customer = customer?.id ?? null;
  session.customer_details = { address: null, business_name: null, email, individual_name: null, name, phone: null, tax_exempt: 'none', tax_ids: [] };
  session.url = null;
  store.put('checkoutSessions', session);
  store.emit('checkout.session.completed', session);
  return { ok: true, redirectUrl: (session.success_url ?? '').replace(/\{CHECKOUT_SESSION_ID\}/g, session.id) };
}
