import type Stripe from 'stripe';
import { fromUnix } from '../../lib/dates';
import type { SubscriptionSnapshot } from '../giving';
import { idOf } from './stripe-gateway';

// Reading the pinned API version's object shapes (DESIGN.md lists what moved in 2025-03-31.basil).

/** The subscription an invoice belongs to: invoice.parent.subscription_details.subscription. */
export function subscriptionIdOfInvoice(invoice: Stripe.Invoice): string | undefined {
  return idOf(invoice.parent?.subscription_details?.subscription);
}

/** The payment intent that paid an invoice (from invoice.payments, expanded). */
export function paymentIntentIdOfInvoice(invoice: Stripe.Invoice): string | undefined {
  const paid = invoice.payments?.data.find((p) => p.status === 'paid') ?? invoice.payments?.data[0];
  return paid?.payment.type === 'payment_intent' ? idOf(paid.payment.payment_intent) : undefined;
}

/** Charge facts for the ledger: id, method and the Stripe fee when the balance transaction exists. */
export function chargeFacts(charge: Stripe.Charge): { chargeId: string; method: string; fee: number | null; paidAt: Date } {
  const bt = charge.balance_transaction;
  return {
    chargeId: charge.id,
    method: charge.payment_method_details?.type ?? 'card',
    fee: bt && typeof bt === 'object' ? bt.fee : null,
    paidAt: fromUnix(charge.created),
  };
}

/** Our snapshot of a Stripe subscription (the period lives on the item since basil). */
export function snapshotOf(sub: Stripe.Subscription, supporterId: string): SubscriptionSnapshot {
  const item = sub.items.data[0];
  return {
    supporterId,
    stripeSubscriptionId: sub.id,
    stripeCustomerId: idOf(sub.customer)!,
    stripePriceId: item?.price.id ?? null,
    status: sub.status,
    amount: item?.price.unit_amount ?? 0,
    currentPeriodEnd: item?.current_period_end ? fromUnix(item.current_period_end) : null,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    canceledAt: sub.canceled_at ? fromUnix(sub.canceled_at) : null,
  };
}
