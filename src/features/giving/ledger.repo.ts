import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { checkoutSessions, donations, receiptCounters, subscriptions } from '../../db/schema';

export type Donation = typeof donations.$inferSelect;
export type NewDonation = typeof donations.$inferInsert;
export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type NewSubscription = typeof subscriptions.$inferInsert;

/** Inserts a ledger row unless one with the same Stripe id exists; returns it only when inserted. */
export async function insertDonationOnce(tx: Tx, row: NewDonation): Promise<Donation | undefined> {
  const [inserted] = await tx.insert(donations).values(row).onConflictDoNothing().returning();
  return inserted;
}

export async function findGiftByCharge(tx: Tx, chargeId: string): Promise<Donation | undefined> {
  const [row] = await tx
    .select()
    .from(donations)
    .where(and(eq(donations.stripeChargeId, chargeId), eq(donations.entry, 'gift')));
  return row;
}

export async function findDonation(tx: Tx, id: string): Promise<Donation | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const [row] = await tx.select().from(donations).where(eq(donations.id, id));
  return row;
}

/** Takes the next receipt number of a year, inside the caller's transaction (no gaps on rollback). */
export async function nextReceiptNumber(tx: Tx, year: number): Promise<string> {
  const [row] = await tx
    .insert(receiptCounters)
    .values({ year, last: 1 })
    .onConflictDoUpdate({ target: receiptCounters.year, set: { last: sql`${receiptCounters.last} + 1` } })
    .returning({ last: receiptCounters.last });
  return `${year}-${String(row!.last).padStart(6, '0')}`;
}

export async function setReceiptNumber(tx: Tx, donationId: string, receiptNumber: string): Promise<void> {
  await tx.update(donations).set({ receiptNumber }).where(eq(donations.id, donationId));
}

/** Locks and returns the stored subscription (null when new), so concurrent events apply in turn. */
export async function lockSubscription(tx: Tx, stripeSubscriptionId: string): Promise<SubscriptionRow | undefined> {
  const [row] = await tx.select().from(subscriptions).where(eq(subscriptions.stripeSubscriptionId, stripeSubscriptionId)).for('update');
  return row;
}

export async function upsertSubscriptionRow(tx: Tx, row: NewSubscription): Promise<SubscriptionRow> {
  const { id: _id, createdAt: _c, ...changes } = row;
  const [stored] = await tx
    .insert(subscriptions)
    .values(row)
    .onConflictDoUpdate({ target: subscriptions.stripeSubscriptionId, set: { ...changes, updatedAt: sql`now()` } })
    .returning();
  return stored!;
}

export async function findSubscriptionsOf(tx: Tx, supporterId: string): Promise<SubscriptionRow[]> {
  return tx.select().from(subscriptions).where(eq(subscriptions.supporterId, supporterId));
}

export async function insertCheckoutSession(tx: Tx, row: typeof checkoutSessions.$inferInsert): Promise<void> {
  await tx.insert(checkoutSessions).values(row).onConflictDoNothing();
}

export async function markCheckoutCompleted(tx: Tx, id: string): Promise<void> {
  await tx
    .update(checkoutSessions)
    .set({ completedAt: sql`coalesce(${checkoutSessions.completedAt}, now())` })
    .where(eq(checkoutSessions.id, id));
}

export async function findCheckoutSession(tx: Tx, id: string) {
  const [row] = await tx.select().from(checkoutSessions).where(eq(checkoutSessions.id, id));
  return row;
}

export async function findSubscriptionByRowId(tx: Tx, id: string): Promise<SubscriptionRow | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const [row] = await tx.select().from(subscriptions).where(eq(subscriptions.id, id));
  return row;
}
