import type Stripe from 'stripe';
import { PLAN_AMOUNTS, PRODUCT_ID, lookupKeyFor, type StripeGateway } from './stripe-gateway';

export const WEBHOOK_EVENTS: Stripe.WebhookEndpointCreateParams.EnabledEvent[] = [
  'checkout.session.completed',
  'invoice.paid',
  'invoice.payment_failed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'charge.refunded',
  'charge.dispute.created',
];

export interface CatalogResult {
  productId: string;
  prices: Record<number, string>;
  created: string[];
  webhookSecret?: string;
}

function isMissing(err: unknown): boolean {
  return (err as { code?: string }).code === 'resource_missing';
}

/**
 * Makes the Stripe account ready, idempotently: the product, the three monthly JPY prices (by lookup
 * key), a Billing Portal configuration and, when webhookUrl is given, the webhook endpoint.
 */
export async function ensureCatalog(gateway: StripeGateway, opts: { webhookUrl?: string; returnUrl: string }): Promise<CatalogResult> {
  const { stripe } = gateway;
  const created: string[] = [];

  try {
    await stripe.products.retrieve(PRODUCT_ID);
  } catch (err) {
    if (!isMissing(err)) throw err;
    await stripe.products.create({ id: PRODUCT_ID, name: 'WELgeeファミリー（毎月の寄付）', description: 'WELgee Family monthly giving' });
    created.push(`product ${PRODUCT_ID}`);
  }

  const prices: Record<number, string> = {};
  const existing = await stripe.prices.list({ lookup_keys: PLAN_AMOUNTS.map(lookupKeyFor), active: true, limit: 10 });
  for (const amount of PLAN_AMOUNTS) {
    const found = existing.data.find((p) => p.lookup_key === lookupKeyFor(amount));
    if (found) {
      prices[amount] = found.id;
      continue;
    }
    const price = await stripe.prices.create({
      product: PRODUCT_ID,
      currency: 'jpy',
      unit_amount: amount,
      recurring: { interval: 'month' },
      lookup_key: lookupKeyFor(amount),
      transfer_lookup_key: true,
      nickname: `毎月${amount.toLocaleString('ja-JP')}円`,
    });
    prices[amount] = price.id;
    created.push(`price ${lookupKeyFor(amount)}`);
  }

  const configurations = await stripe.billingPortal.configurations.list({ limit: 1, active: true });
  if (configurations.data.length === 0) {
    await stripe.billingPortal.configurations.create({
      business_profile: { headline: 'WELgeeファミリー' },
      default_return_url: opts.returnUrl,
      features: {
        payment_method_update: { enabled: true },
        // The reason is asked once, on our own cancel page (/me/cancel), never again in the portal.
        subscription_cancel: { enabled: true, mode: 'at_period_end', cancellation_reason: { enabled: false, options: ['other'] } },
        subscription_update: {
          enabled: true,
          default_allowed_updates: ['price'],
          proration_behavior: 'none',
          products: [{ product: PRODUCT_ID, prices: Object.values(prices) }],
        },
        invoice_history: { enabled: true },
      },
    });
    created.push('billing portal configuration');
  } else {
    // A configuration made before the reason moved to our page still asks it: stop asking there.
    for (const config of configurations.data.filter((c) => c.features.subscription_cancel.cancellation_reason.enabled)) {
      await stripe.billingPortal.configurations.update(config.id, { features: { subscription_cancel: { cancellation_reason: { enabled: false } } } });
      created.push(`billing portal configuration ${config.id}: cancellation reason no longer asked`);
    }
  }

  let webhookSecret: string | undefined;
  if (opts.webhookUrl) {
    const endpoints = await stripe.webhookEndpoints.list({ limit: 100 });
    if (!endpoints.data.some((e) => e.url === opts.webhookUrl)) {
      const endpoint = await stripe.webhookEndpoints.create({ url: opts.webhookUrl, enabled_events: WEBHOOK_EVENTS });
      webhookSecret = endpoint.secret;
      created.push(`webhook endpoint ${opts.webhookUrl}`);
    }
  }

  return { productId: PRODUCT_ID, prices, created, webhookSecret };
}
