import type Stripe from 'stripe';
import { apiList } from './objects-catalog';
import { newId, type CardRecord } from './store';

/** Stripe's card fee in Japan: 3.6 %, rounded to whole yen. */
export function stripeFee(amount: number): number {
  return Math.round(amount * 0.036);
}

/** A payment intent waiting for its first confirmation. */
export function buildPaymentIntent(input: {
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  metadata: Stripe.Metadata;
  paymentMethod: string | null;
  receiptEmail: string | null;
  created: number;
}): Stripe.PaymentIntent {
  const id = newId('pi', 24);
  return {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${id}_secret_${newId('', 20).slice(1)}`,
    confirmation_method: 'automatic',
    created: input.created,
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    description: input.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: input.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: input.receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  };
}

/** A charge of a card for a payment intent; `failure` makes it a declined charge. */
export function buildCharge(input: {
  paymentIntent: Stripe.PaymentIntent;
  card: CardRecord;
  paymentMethod: string;
  billing: { email: string | null; name: string | null };
  created: number;
  failure?: { code: string; declineCode: string; message: string };
}): Stripe.Charge {
  const { paymentIntent: pi, card, failure } = input;
  const id = newId('ch', 24);
  return {
    id,
    object: 'charge',
    amount: pi.amount,
    amount_captured: failure ? 0 : pi.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: { address: null, email: input.billing.email, name: input.billing.name, phone: null, tax_id: null },
    calculated_statement_descriptor: 'WELGEE',
    captured: !failure,
    created: input.created,
    currency: pi.currency,
    customer: typeof pi.customer === 'string' ? pi.customer : (pi.customer?.id ?? null),
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...pi.metadata },
    on_behalf_of: null,
    outcome: failure
      ? {
          advice_code: 'try_again_later',
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'declined_by_network',
          reason: failure.declineCode,
          risk_level: 'normal',
          risk_score: 20,
          seller_message: 'The bank did not return any further details with this decline.',
          type: 'issuer_declined',
        }
      : {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'approved_by_network',
          reason: null,
          risk_level: 'normal',
          risk_score: 20,
          seller_message: 'Payment complete.',
          type: 'authorized',
        },
    paid: !failure,
    payment_intent: pi.id,
    payment_method: input.paymentMethod,
    payment_method_details: {
      type: 'card',
      card: {
        amount_authorized: failure ? null : pi.amount,
        authorization_code: failure ? null : String(100000 + (input.created % 900000)),
        brand: card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: 'US',
        electronic_commerce_indicator: null,
        exp_month: card.expMonth,
        exp_year: card.expYear,
        extended_authorization: { status: 'disabled' },
        fingerprint: card.number.slice(-8).split('').reverse().join('') + 'emul',
        funding: 'credit',
        incremental_authorization: { status: 'unavailable' },
        installments: null,
        last4: card.last4,
        mandate: null,
        multicapture: { status: 'unavailable' },
        network: card.brand,
        network_token: { used: false },
        network_transaction_id: failure ? null : newId('', 15).slice(1),
        overcapture: { maximum_amount_capturable: pi.amount, status: 'unavailable' },
        regulated_status: 'unregulated',
        three_d_secure: null,
        transaction_link_id: null,
        wallet: null,
      },
    },
    radar_options: {},
    receipt_email: pi.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: failure ? 'failed' : 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}

/** A balance transaction; card charges pay Stripe's fee, refunds and disputes do not get it back. */
export function buildBalanceTransaction(input: {
  amount: number;
  currency: string;
  source: string;
  type: 'charge' | 'refund' | 'adjustment';
  description: string | null;
  created: number;
}): Stripe.BalanceTransaction {
  const fee = input.type === 'charge' ? stripeFee(input.amount) : 0;
  return {
    id: newId('txn', 24),
    object: 'balance_transaction',
    amount: input.amount,
    available_on: input.created + 4 * 86_400,
    balance_type: 'payments',
    created: input.created,
    currency: input.currency,
    description: input.description,
    exchange_rate: null,
    fee,
    fee_details: fee ? [{ amount: fee, application: null, currency: input.currency, description: 'Stripe processing fees', type: 'stripe_fee' }] : [],
    net: input.amount - fee,
    reporting_category: input.type === 'adjustment' ? 'dispute' : input.type,
    source: input.source,
    status: 'pending',
    type: input.type,
  };
}

/** A successful refund of part or all of a charge. */
export function buildRefund(charge: Stripe.Charge, amount: number, reason: Stripe.Refund.Reason | null, metadata: Stripe.Metadata, created: number): Stripe.Refund {
  return {
    id: newId('re', 24),
    object: 'refund',
    amount,
    balance_transaction: null,
    charge: charge.id,
    created,
    currency: charge.currency,
    customer: typeof charge.customer === 'string' ? charge.customer : (charge.customer?.id ?? null),
    customer_account: null,
    destination_details: { card: { reference: newId('', 12).slice(1), reference_status: 'available', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' },
    metadata,
    payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : (charge.payment_intent?.id ?? null),
    payment_method: charge.payment_method,
    reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
}

/** The refunds of a charge as the list Stripe embeds when `refunds` is expanded. */
export function refundList(charge: Stripe.Charge, refunds: Stripe.Refund[]): Stripe.ApiList<Stripe.Refund> {
  return apiList(refunds, `/v1/charges/${charge.id}/refunds`);
}

/** A new dispute over a whole charge, waiting for the merchant's response. */
export function buildDispute(charge: Stripe.Charge, withdrawal: Stripe.BalanceTransaction, created: number): Stripe.Dispute {
  const evidence: Stripe.Dispute.Evidence = {
    access_activity_log: null,
    billing_address: null,
    cancellation_policy: null,
    cancellation_policy_disclosure: null,
    cancellation_rebuttal: null,
    customer_communication: null,
    customer_email_address: null,
    customer_name: null,
    customer_purchase_ip: null,
    customer_signature: null,
    duplicate_charge_documentation: null,
    duplicate_charge_explanation: null,
    duplicate_charge_id: null,
    enhanced_evidence: {},
    product_description: null,
    receipt: null,
    refund_policy: null,
    refund_policy_disclosure: null,
    refund_refusal_explanation: null,
    service_date: null,
    service_documentation: null,
    shipping_address: null,
    shipping_carrier: null,
    shipping_date: null,
    shipping_documentation: null,
    shipping_tracking_number: null,
    uncategorized_file: null,
    uncategorized_text: null,
  };
  const brand = charge.payment_method_details?.card?.brand ?? 'visa';
  return {
    id: newId('dp', 24),
    object: 'dispute',
    amount: charge.amount,
    balance_transactions: [withdrawal],
    charge: charge.id,
    created,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence,
    evidence_details: { due_by: created + 7 * 86_400, enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0, submission_method: 'not_submitted' },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    network_reason_code: '10.4',
    payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : (charge.payment_intent?.id ?? null),
    payment_method_details: { card: { brand, case_type: 'chargeback', network: brand, network_reason_code: '10.4' }, type: 'card' },
    reason: 'fraudulent',
    status: 'needs_response',
  };
}
