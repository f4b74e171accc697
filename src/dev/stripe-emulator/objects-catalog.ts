import type Stripe from 'stripe';
import { newId, nowSeconds, type CardRecord } from './store';

type Decimal = NonNullable<Stripe.Price['unit_amount_decimal']>;

/** Stripe sends decimals as strings; the SDK turns them into its Decimal type when it reads a response. */
export function decimal(value: number): Decimal {
  return String(value) as unknown as Decimal;
}

/** A Stripe list envelope. */
export function apiList<T>(data: T[], url: string, hasMore = false): Stripe.ApiList<T> {
  return { object: 'list', data, has_more: hasMore, url };
}

/** A new customer with Stripe's defaults. */
export function buildCustomer(fields: Partial<Stripe.Customer>): Stripe.Customer {
  return {
    id: newId('cus', 14),
    object: 'customer',
    address: null,
    balance: 0,
    created: nowSeconds(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: newId('', 8).slice(1).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
    ...fields,
  };
}

/** A new product. */
export function buildProduct(fields: Partial<Stripe.Product> & { name: string }): Stripe.Product {
  const now = nowSeconds();
  return {
    id: newId('prod', 14),
    object: 'product',
    active: true,
    created: now,
    default_price: null,
    description: null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: null,
    updated: now,
    url: null,
    ...fields,
  };
}

/** A new price; `recurring` null makes it one-time. */
export function buildPrice(fields: {
  product: string;
  unitAmount: number;
  currency: string;
  recurring: { interval: Stripe.Price.Recurring.Interval; interval_count: number } | null;
  lookupKey?: string | null;
  nickname?: string | null;
  metadata?: Stripe.Metadata;
  active?: boolean;
  taxBehavior?: Stripe.Price.TaxBehavior | null;
}): Stripe.Price {
  return {
    id: newId('price', 24),
    object: 'price',
    active: fields.active ?? true,
    billing_scheme: 'per_unit',
    created: nowSeconds(),
    currency: fields.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: fields.lookupKey ?? null,
    metadata: fields.metadata ?? {},
    nickname: fields.nickname ?? null,
    product: fields.product,
    recurring: fields.recurring ? { ...fields.recurring, meter: null, trial_period_days: null, usage_type: 'licensed' } : null,
    tax_behavior: fields.taxBehavior ?? 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: fields.recurring ? 'recurring' : 'one_time',
    unit_amount: fields.unitAmount,
    unit_amount_decimal: decimal(fields.unitAmount),
  };
}

/** The legacy plan view of a recurring price, still embedded in subscription items. */
export function planFromPrice(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: 'per_unit',
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: typeof price.product === 'string' ? price.product : price.product.id,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}

/** A card payment method for a customer (null when not attached). */
export function buildPaymentMethod(card: CardRecord, customer: string | null, billing: { email?: string | null; name?: string | null }): Stripe.PaymentMethod {
  return {
    id: newId('pm', 24),
    object: 'payment_method',
    allow_redisplay: 'always',
    billing_details: { address: null, email: billing.email ?? null, name: billing.name ?? null, phone: null, tax_id: null },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: card.brand,
      exp_month: card.expMonth,
      exp_year: card.expYear,
      fingerprint: card.number.slice(-8).split('').reverse().join('') + 'emul',
      funding: 'credit',
      generated_from: null,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: nowSeconds(),
    customer,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
}

/** A checkout line item for a price. */
export function buildLineItem(price: Stripe.Price, quantity: number, description: string): Stripe.LineItem {
  const amount = (price.unit_amount ?? 0) * quantity;
  return {
    id: newId('li', 24),
    object: 'item',
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: price.currency,
    description,
    metadata: {},
    price,
    quantity,
  };
}
