import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { donations } from '../../db/schema';
import type { Donation } from './ledger.repo';

/** Refunds, disputes and reversals booked against a gift. */
export async function findTakeBacksOf(tx: Tx, giftId: string): Promise<Donation[]> {
  return tx
    .select()
    .from(donations)
    .where(and(eq(donations.relatedDonationId, giftId), inArray(donations.entry, ['refund', 'dispute', 'reversal'])));
}
