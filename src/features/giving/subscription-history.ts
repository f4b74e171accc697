import type { Tx } from '../../db/client';
import { queueEmail } from '../emails';
import { findSupporterById } from '../supporters';
import type { SubscriptionRow } from './ledger.repo';
import { insertSubscriptionEventOnce } from './subscription-events.repo';

/** One change a Stripe event reports about a subscription. */
export interface SubscriptionChange {
  kind: 'started' | 'plan_changed' | 'cancel_scheduled' | 'cancel_undone' | 'ended';
  amount: number;
  previousAmount: number | null;
  effectiveAt: Date | null;
}

const LIVE = ['active', 'past_due', 'trialing', 'unpaid'];
const isScheduled = (row: SubscriptionRow) => row.cancelAtPeriodEnd || row.cancelAt !== null;

/**
 * Writes the history rows of one Stripe event and the confirmation email of each change: the row is keyed
 * by the event id, and the email is queued only by the call that wrote it, so a re-delivered event sends
 * nothing twice. A change Stripe has since overtaken (read from `row`, the current state) is kept in the
 * history without an email, so an old event arriving late never confirms what is no longer true.
 */
export async function recordSubscriptionChanges(tx: Tx, row: SubscriptionRow, event: { stripeEventId: string; occurredAt: Date }, changes: SubscriptionChange[]): Promise<void> {
  for (const change of changes) {
    const isNew = await insertSubscriptionEventOnce(tx, { subscriptionId: row.id, stripeEventId: event.stripeEventId, occurredAt: event.occurredAt, ...change });
    if (isNew) await confirmChange(tx, row, event.stripeEventId, change);
  }
}

async function confirmChange(tx: Tx, row: SubscriptionRow, eventId: string, change: SubscriptionChange): Promise<void> {
  const supporter = await findSupporterById(tx, row.supporterId);
  if (!supporter) return;
  const mail = { to: supporter.email, locale: supporter.locale, supporterId: supporter.id };
  const isLive = LIVE.includes(row.status);
  if (change.kind === 'plan_changed' && isLive && row.amount === change.amount && change.previousAmount !== null) {
    await queueEmail(tx, {
      ...mail,
      template: 'plan-changed',
      params: { subscriptionId: row.id, previousAmount: change.previousAmount, amount: change.amount, appliesAt: change.effectiveAt?.toISOString() ?? null },
      dedupeKey: `plan-changed:${eventId}`,
    });
  }
  if (change.kind === 'cancel_scheduled' && isLive && isScheduled(row) && change.effectiveAt) {
    await queueEmail(tx, {
      ...mail,
      template: 'cancel-scheduled',
      params: { subscriptionId: row.id, amount: row.amount, stopsAt: change.effectiveAt.toISOString() },
      dedupeKey: `cancel-scheduled:${eventId}`,
    });
  }
  if (change.kind === 'cancel_undone' && isLive && !isScheduled(row)) {
    await queueEmail(tx, {
      ...mail,
      template: 'cancel-undone',
      params: { subscriptionId: row.id, amount: row.amount, nextChargeAt: row.currentPeriodEnd?.toISOString() ?? null },
      dedupeKey: `cancel-undone:${eventId}`,
    });
  }
}
