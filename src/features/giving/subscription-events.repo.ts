import { and, desc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { donations, subscriptionEvents } from '../../db/schema';

export type SubscriptionEventRow = typeof subscriptionEvents.$inferSelect;

/** Stores one history row unless this Stripe event already wrote it; true when this call stored it. */
export async function insertSubscriptionEventOnce(tx: Tx, row: typeof subscriptionEvents.$inferInsert): Promise<boolean> {
  const stored = await tx.insert(subscriptionEvents).values(row).onConflictDoNothing().returning({ id: subscriptionEvents.id });
  return stored.length > 0;
}

/** The date of the latest monthly gift charged for a subscription, if any. */
export async function findLastGiftDate(tx: Tx, subscriptionId: string): Promise<Date | undefined> {
  const [row] = await tx
    .select({ receivedAt: donations.receivedAt })
    .from(donations)
    .where(and(eq(donations.subscriptionId, subscriptionId), eq(donations.entry, 'gift')))
    .orderBy(desc(donations.receivedAt))
    .limit(1);
  return row?.receivedAt;
}
