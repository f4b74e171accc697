import { and, desc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { cancellationReasons, deletionRequests, donations, subscriptions } from '../../db/schema';

export type MyGift = typeof donations.$inferSelect;
export type MySubscription = typeof subscriptions.$inferSelect;

/** Every ledger row of a supporter (gifts and the refunds or reversals that take them back), newest first. */
export async function listLedgerOf(tx: Tx, supporterId: string): Promise<MyGift[]> {
  return tx.select().from(donations).where(eq(donations.supporterId, supporterId)).orderBy(desc(donations.receivedAt), desc(donations.createdAt));
}

/** One gift of this supporter, or undefined (another supporter's gift is not found either). */
export async function findOwnGift(tx: Tx, supporterId: string, donationId: string): Promise<MyGift | undefined> {
  const [row] = await tx
    .select()
    .from(donations)
    .where(and(eq(donations.id, donationId), eq(donations.supporterId, supporterId), eq(donations.entry, 'gift')));
  return row;
}

/** The supporter's subscriptions, newest first. */
export async function listSubscriptionsOf(tx: Tx, supporterId: string): Promise<MySubscription[]> {
  return tx.select().from(subscriptions).where(eq(subscriptions.supporterId, supporterId)).orderBy(desc(subscriptions.createdAt));
}

/** Stores the optional reason given when stopping monthly giving. */
export async function insertCancellationReason(tx: Tx, row: { supporterId: string; subscriptionId: string; reason: string }): Promise<void> {
  await tx.insert(cancellationReasons).values(row);
}

/** The open deletion request of a supporter, if any. */
export async function findPendingDeletion(tx: Tx, supporterId: string) {
  const [row] = await tx
    .select()
    .from(deletionRequests)
    .where(and(eq(deletionRequests.supporterId, supporterId), eq(deletionRequests.status, 'pending')));
  return row;
}
