import Stripe from 'stripe';

// The only module that talks to the Stripe SDK. API version pinned by the SDK (2026-10-28.endive).

export type { Stripe };

export const PLAN_AMOUNTS = [1000, 5000, 10000] as const;
export type PlanAmount = (typeof PLAN_AMOUNTS)[number];
export const PRODUCT_ID = 'welgee_family';
/** The Price lookup key of a monthly plan. */
export const lookupKeyFor = (amount: PlanAmount) => `welgee_family_monthly_${amount}`;

export interface StripeGatewayOptions {
  secretKey: string;
  webhookSecret: string;
  /** e.g. http://127.0.0.1:12111 for the local emulator; Stripe's own when unset. */
  apiUrl?: string;
}

export interface CheckoutInput {
  customerId: string;
  supporterId: string;
  locale: 'ja' | 'en';
  successUrl: string;
  cancelUrl: string;
}

/** Creates the Stripe client; every Stripe call of the app goes through the returned gateway. */
export function createStripeGateway(opts: StripeGatewayOptions) {
  const api = opts.apiUrl ? new URL(opts.apiUrl) : undefined;
  const stripe = new Stripe(opts.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    ...(api ? { host: api.hostname, port: Number(api.port || (api.protocol === 'https:' ? 443 : 80)), protocol: api.protocol.replace(':', '') as 'http' | 'https' } : {}),
  });
  const priceCache = new Map<string, string>();

  return {
    stripe,

    /** Verifies a webhook's signature on the raw body; throws Stripe's signature error otherwise. */
    constructEvent(rawBody: Buffer, signature: string): Stripe.Event {
      return stripe.webhooks.constructEvent(rawBody, signature, opts.webhookSecret);
    },

    /** One Stripe customer per supporter: the idempotency key makes retries return the same one. */
    async createCustomer(input: { supporterId: string; email: string; name: string; locale: 'ja' | 'en' }): Promise<string> {
      const customer = await stripe.customers.create(
        { email: input.email, name: input.name, preferred_locales: [input.locale], metadata: { supporter_id: input.supporterId } },
        { idempotencyKey: `customer-${input.supporterId}` },
      );
      return customer.id;
    },

    /** The Price id of a monthly plan, found by lookup key (cached). */
    async priceIdFor(amount: PlanAmount): Promise<string> {
      const key = lookupKeyFor(amount);
      const cached = priceCache.get(key);
      if (cached) return cached;
      const prices = await stripe.prices.list({ lookup_keys: [key], active: true, limit: 1 });
      const price = prices.data[0];
      if (!price) throw new Error(`No active Stripe price with lookup key ${key}: run npm run stripe:setup`);
      priceCache.set(key, price.id);
      return price.id;
    },

    /** A hosted Checkout Session for monthly giving. */
    async createSubscriptionCheckout(input: CheckoutInput & { priceId: string }): Promise<Stripe.Checkout.Session> {
      return stripe.checkout.sessions.create({
        mode: 'subscription',
        customer: input.customerId,
        line_items: [{ price: input.priceId, quantity: 1 }],
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
        locale: input.locale,
        client_reference_id: input.supporterId,
        metadata: { supporter_id: input.supporterId },
        subscription_data: { metadata: { supporter_id: input.supporterId } },
      });
    },

    /** A hosted Checkout Session for a one-time gift of `amount` yen. */
    async createDonationCheckout(input: CheckoutInput & { amount: number; productName: string }): Promise<Stripe.Checkout.Session> {
      return stripe.checkout.sessions.create({
        mode: 'payment',
        submit_type: 'donate',
        customer: input.customerId,
        line_items: [{ price_data: { currency: 'jpy', unit_amount: input.amount, product_data: { name: input.productName } }, quantity: 1 }],
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
        locale: input.locale,
        client_reference_id: input.supporterId,
        metadata: { supporter_id: input.supporterId },
        payment_intent_data: { metadata: { supporter_id: input.supporterId } },
      });
    },

    retrieveCheckoutSession(id: string): Promise<Stripe.Checkout.Session> {
      return stripe.checkout.sessions.retrieve(id);
    },

    retrieveSubscription(id: string): Promise<Stripe.Subscription> {
      return stripe.subscriptions.retrieve(id);
    },

    retrieveInvoice(id: string): Promise<Stripe.Invoice> {
      return stripe.invoices.retrieve(id, { expand: ['payments'] });
    },

    /** A payment intent with its charge and the charge's balance transaction (fee, net). */
    retrievePaymentIntent(id: string): Promise<Stripe.PaymentIntent> {
      return stripe.paymentIntents.retrieve(id, { expand: ['latest_charge.balance_transaction'] });
    },

    retrieveCharge(id: string): Promise<Stripe.Charge> {
      return stripe.charges.retrieve(id, { expand: ['balance_transaction', 'refunds'] });
    },

    /**
     * Refunds a whole charge. The idempotency key makes a repeated request (a double click, a retry) the
     * same refund; the ledger row comes from the charge.refunded webhook, with the note from metadata.
     */
    refundCharge(chargeId: string, input: { note: string; staffId: string }, idempotencyKey: string): Promise<Stripe.Refund> {
      return stripe.refunds.create({ charge: chargeId, reason: 'requested_by_customer', metadata: { note: input.note, staff_id: input.staffId } }, { idempotencyKey });
    },

    retrieveDispute(id: string): Promise<Stripe.Dispute> {
      return stripe.disputes.retrieve(id);
    },

    // Lists for reconciliation: every page (auto-pagination), newest first, created at or after `since`.

    /** Every charge created since the instant (any status: the caller keeps the succeeded ones). */
    listChargesSince(since: Date): Promise<Stripe.Charge[]> {
      return collect(stripe.charges.list({ created: { gte: unix(since) }, limit: 100 }));
    },

    /** Every refund created since the instant. */
    listRefundsSince(since: Date): Promise<Stripe.Refund[]> {
      return collect(stripe.refunds.list({ created: { gte: unix(since) }, limit: 100 }));
    },

    /** Every paid invoice created since the instant, with its payments (to tie it to its charge). */
    listInvoicesSince(since: Date): Promise<Stripe.Invoice[]> {
      return collect(stripe.invoices.list({ status: 'paid', created: { gte: unix(since) }, limit: 100, expand: ['data.payments'] }));
    },

    /** Every dispute created since the instant. */
    listDisputesSince(since: Date): Promise<Stripe.Dispute[]> {
      return collect(stripe.disputes.list({ created: { gte: unix(since) }, limit: 100 }));
    },

    /** Every event of these types created since the instant (Stripe keeps events for 30 days). */
    listEventsSince(types: string[], since: Date): Promise<Stripe.Event[]> {
      return collect(stripe.events.list({ types, created: { gte: unix(since) }, limit: 100 }));
    },

    /** The ids of the invoices a payment intent paid (a monthly gift's charge → its invoice). */
    async listInvoiceIdsPaidBy(paymentIntentId: string): Promise<string[]> {
      const payments = await collect(stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: paymentIntentId }, limit: 100 }));
      return payments.map((p) => idOf(p.invoice)).filter((id): id is string => Boolean(id));
    },

    /** A charge, or undefined when Stripe has no such charge (resource_missing). */
    retrieveChargeIfExists(id: string): Promise<Stripe.Charge | undefined> {
      return unlessMissing(stripe.charges.retrieve(id));
    },

    /** An invoice, or undefined when Stripe has no such invoice. */
    retrieveInvoiceIfExists(id: string): Promise<Stripe.Invoice | undefined> {
      return unlessMissing(stripe.invoices.retrieve(id));
    },

    /** A refund, or undefined when Stripe has no such refund. */
    retrieveRefundIfExists(id: string): Promise<Stripe.Refund | undefined> {
      return unlessMissing(stripe.refunds.retrieve(id));
    },

    /** A dispute, or undefined when Stripe has no such dispute. */
    retrieveDisputeIfExists(id: string): Promise<Stripe.Dispute | undefined> {
      return unlessMissing(stripe.disputes.retrieve(id));
    },

    /** A Billing Portal session (update card, switch plan, cancel) returning to returnUrl. */
    async createPortalSession(customerId: string, returnUrl: string, locale: 'ja' | 'en'): Promise<string> {
      const session = await stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl, locale });
      return session.url;
    },

    /** A Billing Portal session that opens straight on cancelling one subscription (Stripe's `flow_data`). */
    async createCancelPortalSession(customerId: string, subscriptionId: string, returnUrl: string, locale: 'ja' | 'en'): Promise<string> {
      const session = await stripe.billingPortal.sessions.create({
        customer: customerId,
        return_url: returnUrl,
        locale,
        flow_data: {
          type: 'subscription_cancel',
          subscription_cancel: { subscription: subscriptionId },
          after_completion: { type: 'redirect', redirect: { return_url: returnUrl } },
        },
      });
      return session.url;
    },

    /** Undoes a scheduled stop: the subscription goes on and the next charge happens as usual. */
    async resumeSubscription(subscriptionId: string): Promise<Stripe.Subscription> {
      return stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: false });
    },

    /** Ends a subscription at once (used when a supporter's data is erased). */
    async cancelSubscriptionNow(subscriptionId: string): Promise<Stripe.Subscription> {
      return stripe.subscriptions.cancel(subscriptionId);
    },

    /** Removes a customer's name, email and phone from Stripe (erasure); payments stay for accounting. */
    async redactCustomer(customerId: string): Promise<void> {
      await stripe.customers.update(customerId, { name: '', email: '', phone: '', description: '', metadata: { erased: 'true' } });
    },

    /** Switches a subscription to another plan from the next charge, without proration. */
    async switchPlan(subscriptionId: string, amount: PlanAmount): Promise<Stripe.Subscription> {
      const subscription = await stripe.subscriptions.retrieve(subscriptionId);
      const item = subscription.items.data[0];
      if (!item) throw new Error(`subscription ${subscriptionId} has no item`);
      return stripe.subscriptions.update(subscriptionId, {
        items: [{ id: item.id, price: await this.priceIdFor(amount) }],
        proration_behavior: 'none',
      });
    },
  };
}

export type StripeGateway = ReturnType<typeof createStripeGateway>;

const unix = (instant: Date) => Math.floor(instant.getTime() / 1000);

/** Every item of a list, page after page (starting_after), without the SDK's 10,000-item cap. */
async function collect<T>(list: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of list) items.push(item);
  return items;
}

/** The object, or undefined when Stripe answers 404 resource_missing; any other failure is thrown. */
async function unlessMissing<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (err) {
    if ((err as { code?: string }).code === 'resource_missing') return undefined;
    throw err;
  }
}

/** The Stripe id of an expandable field, whether it came expanded or not. */
export function idOf(value: string | { id: string } | null | undefined): string | undefined {
  if (!value) return undefined;
  return typeof value === 'string' ? value : value.id;
}
