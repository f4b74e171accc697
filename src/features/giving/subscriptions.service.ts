import type { Tx } from '../../db/client';
import { queueEmail } from '../emails';
import { findSupporterById, refreshSupporterStatus } from '../supporters';
import { lockSubscription, upsertSubscriptionRow, type SubscriptionRow } from './ledger.repo';

/** A subscription as Stripe reports it now (re-read from the API, never taken from an old event). */
export interface SubscriptionSnapshot {
  supporterId: string;
  stripeSubscriptionId: string;
  stripeCustomerId: string;
  stripePriceId: string | null;
  status: string;
  amount: number;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  /** When a scheduled stop takes effect. */
  cancelAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
}

/**
 * Stores Stripe's current state of a subscription and the emails its changes cause: welcome the
 * first time it is active, cancelled when it ends. Safe to apply any number of times, in any order.
 */
export async function applySubscription(tx: Tx, snapshot: SubscriptionSnapshot): Promise<SubscriptionRow> {
  const before = await lockSubscription(tx, snapshot.stripeSubscriptionId);
  const row = await upsertSubscriptionRow(tx, { ...snapshot });
  await refreshSupporterStatus(tx, snapshot.supporterId);
  const supporter = await findSupporterById(tx, snapshot.supporterId);
  if (!supporter) return row;
  const mail = { to: supporter.email, locale: supporter.locale, supporterId: supporter.id };
  if (['active', 'past_due', 'trialing'].includes(snapshot.status)) {
    await queueEmail(tx, { ...mail, template: 'welcome', params: { subscriptionId: row.id }, dedupeKey: `welcome:${row.stripeSubscriptionId}` });
  }
  if (snapshot.status === 'canceled' && before?.status !== 'canceled') {
    await queueEmail(tx, { ...mail, template: 'cancelled', params: { subscriptionId: row.id }, dedupeKey: `cancelled:${row.stripeSubscriptionId}` });
  }
  return row;
}

/** Records a failed monthly payment's email (once per invoice attempt); the subscription stays. */
export async function notifyPaymentFailed(tx: Tx, input: { supporterId: string; invoiceId: string; attempt: number; amount: number }): Promise<void> {
  const supporter = await findSupporterById(tx, input.supporterId);
  if (!supporter) return;
  await queueEmail(tx, {
    template: 'payment-failed',
    to: supporter.email,
    locale: supporter.locale,
    supporterId: supporter.id,
    params: { amount: input.amount },
    dedupeKey: `payment-failed:${input.invoiceId}:${input.attempt}`,
  });
}
