import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { checkoutSessions, consents, donations, emails, subscriptions, supporterMerges, supporterNotes, supporterTags, supporters } from '../../db/schema';
import type { Supporter } from './supporters.repo';

// The SQL of merging one supporter into another: what would move, and moving it.

export interface MovableCounts {
  donations: number;
  donationTotal: number;
  consents: number;
  notes: number;
  tags: number;
  subscriptions: number;
  checkoutSessions: number;
  emails: number;
  earlierMerges: number;
}

const n = sql<number>`count(*)`.mapWith(Number);

/** How many rows of each kind belong to the supporter (what a merge would move). */
export async function countMovable(tx: Tx, id: string): Promise<MovableCounts> {
  const [gifts, consentRows, notes, tags, subs, sessions, mails, merged] = await Promise.all([
    tx
      .select({ n, total: sql<number>`coalesce(sum(${donations.amount}), 0)`.mapWith(Number) })
      .from(donations)
      .where(eq(donations.supporterId, id)),
    tx.select({ n }).from(consents).where(eq(consents.supporterId, id)),
    tx.select({ n }).from(supporterNotes).where(eq(supporterNotes.supporterId, id)),
    tx.select({ n }).from(supporterTags).where(eq(supporterTags.supporterId, id)),
    tx.select({ n }).from(subscriptions).where(eq(subscriptions.supporterId, id)),
    tx.select({ n }).from(checkoutSessions).where(eq(checkoutSessions.supporterId, id)),
    tx.select({ n }).from(emails).where(eq(emails.supporterId, id)),
    tx.select({ n }).from(supporterMerges).where(eq(supporterMerges.keptId, id)),
  ]);
  return {
    donations: gifts[0]?.n ?? 0,
    donationTotal: gifts[0]?.total ?? 0,
    consents: consentRows[0]?.n ?? 0,
    notes: notes[0]?.n ?? 0,
    tags: tags[0]?.n ?? 0,
    subscriptions: subs[0]?.n ?? 0,
    checkoutSessions: sessions[0]?.n ?? 0,
    emails: mails[0]?.n ?? 0,
    earlierMerges: merged[0]?.n ?? 0,
  };
}

/** Locks both supporter rows, in id order (two merges touching the same pair wait, never deadlock). */
export async function lockPair(tx: Tx, a: string, b: string): Promise<Map<string, Supporter>> {
  const rows = await tx
    .select()
    .from(supporters)
    .where(inArray(supporters.id, [a, b]))
    .orderBy(supporters.id)
    .for('update');
  return new Map(rows.map((r) => [r.id, r]));
}

/** Re-points every row of `from` to `to`: ledger, consents, notes, tags, subscriptions, checkouts, emails, earlier merges. */
export async function moveOwnedRows(tx: Tx, from: string, to: string): Promise<void> {
  await tx.update(donations).set({ supporterId: to }).where(eq(donations.supporterId, from));
  await tx.update(consents).set({ supporterId: to }).where(eq(consents.supporterId, from));
  await tx.update(supporterNotes).set({ supporterId: to }).where(eq(supporterNotes.supporterId, from));
  // A tag both carry stays once.
  await tx.execute(sql`insert into supporter_tags (supporter_id, tag, created_at)
    select ${to}, tag, created_at from supporter_tags where supporter_id = ${from}
    on conflict do nothing`);
  await tx.delete(supporterTags).where(eq(supporterTags.supporterId, from));
  await tx
    .update(subscriptions)
    .set({ supporterId: to, updatedAt: sql`now()` })
    .where(eq(subscriptions.supporterId, from));
  await tx.update(checkoutSessions).set({ supporterId: to }).where(eq(checkoutSessions.supporterId, from));
  await tx.update(emails).set({ supporterId: to }).where(eq(emails.supporterId, from));
  // Supporters merged into `from` earlier now point straight at `to`, their history with them.
  await tx.update(supporterMerges).set({ keptId: to }).where(eq(supporterMerges.keptId, from));
  await tx
    .update(supporters)
    .set({ mergedIntoId: to, updatedAt: sql`now()` })
    .where(eq(supporters.mergedIntoId, from));
}

/** Moves the Stripe customer link from one supporter to the other (the column is unique: clear first). */
export async function moveStripeCustomer(tx: Tx, from: string, to: string, customerId: string): Promise<void> {
  await tx.update(supporters).set({ stripeCustomerId: null }).where(eq(supporters.id, from));
  await tx
    .update(supporters)
    .set({ stripeCustomerId: customerId, updatedAt: sql`now()` })
    .where(eq(supporters.id, to));
}

export async function insertMerge(tx: Tx, row: typeof supporterMerges.$inferInsert): Promise<void> {
  await tx.insert(supporterMerges).values(row);
}

/** Marks the duplicate as merged: it keeps its row for the record but is never listed or mailed again. */
export async function markMerged(tx: Tx, id: string, into: string): Promise<void> {
  await tx
    .update(supporters)
    .set({ mergedIntoId: into, newsletter: false, postalMail: false, updatedAt: sql`now()` })
    .where(and(eq(supporters.id, id), sql`${supporters.mergedIntoId} is null`));
}
