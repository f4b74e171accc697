import type { Db } from '../../db/client';
import { listReceiptsOf } from '../annual-reports';
import { PLAN_AMOUNTS, type PlanAmount, type StripeGateway } from '../billing';
import type { Supporter } from '../supporters';
import { findPendingDeletion, insertCancellationReason, listLedgerOf, listSubscriptionsOf, type MySubscription } from './me.repo';

// Use cases of My page. Stripe stays the source of truth: changes go to Stripe and come back
// through its webhooks, so the page shows a change once Stripe has confirmed it.

const LIVE = ['active', 'past_due', 'unpaid', 'trialing', 'incomplete'];

/** The subscription My page acts on: the newest live one, else none. */
export function liveSubscription(subscriptions: MySubscription[]): MySubscription | undefined {
  return subscriptions.find((s) => LIVE.includes(s.status));
}

/** Whether a stop is scheduled (at the period end, or on a date): the subscription runs until then. */
export function isStopping(subscription: MySubscription): boolean {
  return subscription.cancelAtPeriodEnd || subscription.cancelAt !== null;
}

/** When a scheduled stop takes effect: Stripe's cancel_at, else the end of the paid period. */
export function stopDateOf(subscription: MySubscription): Date | null {
  return subscription.cancelAt ?? (subscription.cancelAtPeriodEnd ? subscription.currentPeriodEnd : null);
}

export const isPlanAmount = (value: number): value is PlanAmount => (PLAN_AMOUNTS as readonly number[]).includes(value);

/** Everything the overview shows. */
export async function loadMyPage(db: Db, supporter: Supporter) {
  const [ledger, subscriptions, pendingDeletion, receipts] = await Promise.all([
    listLedgerOf(db, supporter.id),
    listSubscriptionsOf(db, supporter.id),
    findPendingDeletion(db, supporter.id),
    listReceiptsOf(db, supporter.id),
  ]);
  const subscription = liveSubscription(subscriptions);
  const takenBack = new Map<string, number>();
  for (const row of ledger) if (row.entry !== 'gift' && row.relatedDonationId) takenBack.set(row.relatedDonationId, (takenBack.get(row.relatedDonationId) ?? 0) + row.amount);
  const gifts = ledger.map((row) => ({ ...row, isGift: row.entry === 'gift', takenBack: takenBack.get(row.id) ?? 0 }));
  const total = ledger.reduce((sum, row) => sum + row.amount, 0);
  return {
    subscription,
    isStopping: subscription ? isStopping(subscription) : false,
    stopsAt: subscription ? stopDateOf(subscription) : null,
    isPastDue: subscription ? ['past_due', 'unpaid'].includes(subscription.status) : false,
    hasEnded: !subscription && subscriptions.length > 0,
    gifts,
    total,
    pendingDeletion,
    // Each year's combined receipt, once its annual report has issued it (a reissued one replaces the old).
    annualReceipts: receipts.filter((r) => r.status === 'valid').map((r) => ({ year: r.year, receiptNumber: r.number, total: r.total })),
    planChoices: PLAN_AMOUNTS.map((amount) => ({ amount, isCurrent: subscription?.amount === amount })),
  };
}

export class NoLiveSubscription extends Error {}

/** Switches the live subscription to another plan from its next charge (no proration). */
export async function changeMyPlan(db: Db, gateway: StripeGateway, supporter: Supporter, amount: PlanAmount): Promise<MySubscription> {
  const subscription = liveSubscription(await listSubscriptionsOf(db, supporter.id));
  if (!subscription || isStopping(subscription)) throw new NoLiveSubscription();
  if (subscription.amount !== amount) await gateway.switchPlan(subscription.stripeSubscriptionId, amount);
  return subscription;
}

/** Records the optional reason, then returns the Billing Portal URL that opens on cancelling. */
export async function startCancelling(db: Db, gateway: StripeGateway, supporter: Supporter, reason: string, returnUrl: string): Promise<string> {
  const subscription = liveSubscription(await listSubscriptionsOf(db, supporter.id));
  if (!subscription || isStopping(subscription) || !supporter.stripeCustomerId) throw new NoLiveSubscription();
  if (reason) await db.transaction((tx) => insertCancellationReason(tx, { supporterId: supporter.id, subscriptionId: subscription.id, reason }));
  return gateway.createCancelPortalSession(supporter.stripeCustomerId, subscription.stripeSubscriptionId, returnUrl, supporter.locale);
}

/** Undoes a scheduled stop in Stripe; the page shows it once Stripe's webhook confirms it. */
export async function resumeMySubscription(db: Db, gateway: StripeGateway, supporter: Supporter): Promise<void> {
  const subscription = liveSubscription(await listSubscriptionsOf(db, supporter.id));
  if (!subscription || !isStopping(subscription)) throw new NoLiveSubscription();
  await gateway.resumeSubscription(subscription.stripeSubscriptionId);
}

/** The date of the last monthly charge of a subscription, for the cancel page. */
export async function lastChargeOf(db: Db, supporter: Supporter, subscriptionId: string): Promise<Date | null> {
  const ledger = await listLedgerOf(db, supporter.id);
  return ledger.find((row) => row.entry === 'gift' && row.subscriptionId === subscriptionId)?.receivedAt ?? null;
}

/** The Billing Portal URL where the supporter updates their card (or undoes a cancellation). */
export async function openBillingPortal(gateway: StripeGateway, supporter: Supporter, returnUrl: string): Promise<string> {
  if (!supporter.stripeCustomerId) throw new NoLiveSubscription();
  return gateway.createPortalSession(supporter.stripeCustomerId, returnUrl, supporter.locale);
}
