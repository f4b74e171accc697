import type Stripe from 'stripe';
import { newId, nowSeconds } from './store';

/** A new open checkout session; the hosted page lives at `url`. */
export function buildCheckoutSession(input: {
  id: string;
  url: string;
  mode: 'payment' | 'subscription';
  customer: string | null;
  customerEmail: string | null;
  amountTotal: number;
  currency: string;
  successUrl: string;
  cancelUrl: string | null;
  locale: Stripe.Checkout.Session.Locale | null;
  metadata: Stripe.Metadata;
  clientReferenceId: string | null;
  submitType: Stripe.Checkout.Session.SubmitType | null;
  customerCreation: Stripe.Checkout.Session.CustomerCreation | null;
}): Stripe.Checkout.Session {
  const created = nowSeconds();
  return {
    id: input.id,
    object: 'checkout.session',
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: input.amountTotal,
    amount_total: input.amountTotal,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: input.cancelUrl,
    client_reference_id: input.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created,
    currency: input.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: input.customer,
    customer_account: null,
    customer_creation: input.customerCreation,
    customer_details: null,
    customer_email: input.customerEmail,
    discounts: [],
    expires_at: created + 24 * 60 * 60,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: input.locale,
    managed_payments: null,
    metadata: input.metadata,
    mode: input.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: input.mode === 'subscription' ? 'always' : null,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: input.submitType,
    subscription: null,
    success_url: input.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted_page',
    url: input.url,
    wallet_options: null,
  };
}

/** The portal configuration Stripe creates for an account that never made one. */
export function buildPortalConfiguration(isDefault: boolean): Stripe.BillingPortal.Configuration {
  const now = nowSeconds();
  return {
    id: newId('bpc', 24),
    object: 'billing_portal.configuration',
    active: true,
    application: null,
    business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null },
    created: now,
    default_return_url: null,
    features: {
      customer_update: { allowed_updates: ['email'], enabled: false },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true, payment_method_configuration: null },
      subscription_cancel: {
        cancellation_reason: { enabled: false, feedback_options: null, options: [] },
        enabled: true,
        mode: 'at_period_end',
        proration_behavior: 'none',
      },
      subscription_pause: { duration: { interval_options: [], type: 'indefinite' }, enabled: false },
      subscription_update: {
        billing_cycle_anchor: null,
        default_allowed_updates: ['price'],
        enabled: true,
        products: null,
        proration_behavior: 'none',
        schedule_at_period_end: { conditions: [] },
        trial_update_behavior: 'end_trial',
      },
    },
    is_default: isDefault,
    livemode: false,
    login_page: { enabled: false, url: null },
    metadata: {},
    name: null,
    updated: now,
  };
}

/** A portal session for a customer; the hosted page lives at `url`. */
export function buildPortalSession(input: {
  id: string;
  url: string;
  configuration: string;
  customer: string;
  locale: Stripe.BillingPortal.Session.Locale | null;
  returnUrl: string | null;
}): Stripe.BillingPortal.Session {
  return {
    id: input.id,
    object: 'billing_portal.session',
    configuration: input.configuration,
    created: nowSeconds(),
    customer: input.customer,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: input.locale,
    on_behalf_of: null,
    return_url: input.returnUrl,
    url: input.url,
  };
}

/** A webhook endpoint; `secret` is only shown by Stripe when the endpoint is created. */
export function buildWebhookEndpoint(input: {
  url: string;
  secret: string;
  enabledEvents: string[];
  description: string | null;
  metadata: Stripe.Metadata;
  apiVersion: string | null;
}): Stripe.WebhookEndpoint {
  return {
    id: newId('we', 24),
    object: 'webhook_endpoint',
    api_version: input.apiVersion,
    application: null,
    created: nowSeconds(),
    description: input.description,
    enabled_events: input.enabledEvents,
    livemode: false,
    metadata: input.metadata,
    secret: input.secret,
    status: 'enabled',
    url: input.url,
  };
}
