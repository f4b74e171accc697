import type Stripe from 'stripe';
import { fromUnix } from '../../lib/dates';
import type { SubscriptionChange, SubscriptionSnapshot } from '../giving';
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
    // canceled_at is when the stop was asked for; cancel_at is when it takes effect.
    cancelAt: sub.cancel_at ? fromUnix(sub.cancel_at) : sub.cancel_at_period_end && item?.current_period_end ? fromUnix(item.current_period_end) : null,
    canceledAt: sub.canceled_at ? fromUnix(sub.canceled_at) : null,
    endedAt: sub.ended_at ? fromUnix(sub.ended_at) : null,
  };
}

type SubscriptionPart = Partial<Omit<Stripe.Subscription, 'items'>> & { items?: { data?: Partial<Stripe.SubscriptionItem>[] } };

const isScheduled = (s: SubscriptionPart) => Boolean(s.cancel_at_period_end) || Boolean(s.cancel_at);

/**
 * The changes one subscription event reports, read from the event's own snapshot and its
 * previous_attributes (the state at that moment, which the history keeps; a re-read would give today's).
 */
export function subscriptionChangesOf(type: string, object: SubscriptionPart, previous: SubscriptionPart | undefined): SubscriptionChange[] {
  const item = object.items?.data?.[0];
  const amount = item?.price?.unit_amount;
  // A stored event whose payload was already trimmed: its history row was written when it was first processed.
  if (typeof amount !== 'number') return [];
  const periodEnd = item?.current_period_end ? fromUnix(item.current_period_end) : null;
  if (type === 'customer.subscription.created') return [{ kind: 'started', amount, previousAmount: null, effectiveAt: object.start_date ? fromUnix(object.start_date) : null }];
  if (type === 'customer.subscription.deleted') return [{ kind: 'ended', amount, previousAmount: null, effectiveAt: object.ended_at ? fromUnix(object.ended_at) : null }];
  if (type !== 'customer.subscription.updated' || !previous) return [];
  const changes: SubscriptionChange[] = [];
  const previousAmount = previous.items?.data?.[0]?.price?.unit_amount;
  if (typeof previousAmount === 'number' && previousAmount !== amount) changes.push({ kind: 'plan_changed', amount, previousAmount, effectiveAt: periodEnd });
  if ('cancel_at_period_end' in previous || 'cancel_at' in previous) {
    const was = isScheduled({
      cancel_at_period_end: previous.cancel_at_period_end ?? object.cancel_at_period_end,
      cancel_at: 'cancel_at' in previous ? previous.cancel_at : object.cancel_at,
    });
    const stopsAt = object.cancel_at ? fromUnix(object.cancel_at) : periodEnd;
    if (!was && isScheduled(object)) changes.push({ kind: 'cancel_scheduled', amount, previousAmount: null, effectiveAt: stopsAt });
    if (was && !isScheduled(object)) changes.push({ kind: 'cancel_undone', amount, previousAmount: null, effectiveAt: periodEnd });
  }
  return changes;
}
