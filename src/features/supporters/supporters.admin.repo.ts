import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import {
  cancellationReasons,
  consents,
  donations,
  emails,
  staff,
  subscriptionEvents,
  subscriptions,
  supporterMerges,
  supporterNotes,
  supporterTags,
  supporters,
} from '../../db/schema';
import type { NewSupporter, Supporter } from './supporters.repo';

// What the console's supporter page reads and writes besides the supporter row itself.

export type ConsentRow = typeof consents.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type DonationRow = typeof donations.$inferSelect;

/** Every change of every subscription of a supporter (started, plan changed, stop scheduled/undone, ended), oldest first. */
export async function listSubscriptionHistory(tx: Tx, supporterId: string) {
  return tx
    .select({
      id: subscriptionEvents.id,
      subscriptionId: subscriptionEvents.subscriptionId,
      kind: subscriptionEvents.kind,
      amount: subscriptionEvents.amount,
      previousAmount: subscriptionEvents.previousAmount,
      effectiveAt: subscriptionEvents.effectiveAt,
      occurredAt: subscriptionEvents.occurredAt,
    })
    .from(subscriptionEvents)
    .innerJoin(subscriptions, eq(subscriptions.id, subscriptionEvents.subscriptionId))
    .where(eq(subscriptions.supporterId, supporterId))
    .orderBy(asc(subscriptionEvents.occurredAt), asc(subscriptionEvents.createdAt));
}

/** A supporter row by id, only when the id is a well-formed UUID (anything else: undefined). */
export async function findSupporter(tx: Tx, id: string): Promise<Supporter | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await tx.select().from(supporters).where(eq(supporters.id, id));
  return row;
}

/** True for a UUID as PostgreSQL accepts it (a path parameter is checked before any query). */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** Locks the supporter row for the rest of the transaction. */
export async function lockSupporter(tx: Tx, id: string): Promise<Supporter | undefined> {
  const [row] = await tx.select().from(supporters).where(eq(supporters.id, id)).for('update');
  return row;
}

/** The supporter who already uses this normalised email, if it is someone else. */
export async function findEmailOwner(tx: Tx, emailNormalized: string): Promise<Pick<Supporter, 'id'> | undefined> {
  const [row] = await tx.select({ id: supporters.id }).from(supporters).where(eq(supporters.emailNormalized, emailNormalized));
  return row;
}

export async function insertSupporter(tx: Tx, row: NewSupporter): Promise<Supporter> {
  const [created] = await tx.insert(supporters).values(row).returning();
  return created!;
}

export async function listConsents(tx: Tx, supporterId: string): Promise<ConsentRow[]> {
  return tx.select().from(consents).where(eq(consents.supporterId, supporterId)).orderBy(desc(consents.createdAt), desc(consents.id));
}

/** Reasons the supporter gave when stopping monthly giving on My page, newest first. */
export async function listCancellationReasons(tx: Tx, supporterId: string) {
  return tx.select().from(cancellationReasons).where(eq(cancellationReasons.supporterId, supporterId)).orderBy(desc(cancellationReasons.createdAt));
}

export async function listSubscriptions(tx: Tx, supporterId: string): Promise<SubscriptionRow[]> {
  return tx.select().from(subscriptions).where(eq(subscriptions.supporterId, supporterId)).orderBy(desc(subscriptions.createdAt));
}

/** Every ledger row of the supporter (gifts and what took them back), newest first. */
export async function listDonations(tx: Tx, supporterId: string, limit = 500): Promise<DonationRow[]> {
  return tx.select().from(donations).where(eq(donations.supporterId, supporterId)).orderBy(desc(donations.receivedAt), desc(donations.createdAt)).limit(limit);
}

/** Sum and count of the ledger, and the first and last gift. */
export async function summariseDonations(tx: Tx, supporterId: string) {
  const [row] = await tx
    .select({
      total: sql<number>`coalesce(sum(${donations.amount}), 0)`.mapWith(Number),
      entries: sql<number>`count(*)`.mapWith(Number),
      gifts: sql<number>`count(*) filter (where ${donations.entry} = 'gift')`.mapWith(Number),
      first: sql<Date | null>`min(${donations.receivedAt}) filter (where ${donations.entry} = 'gift')`.mapWith((v) => (v ? new Date(v) : null)),
      last: sql<Date | null>`max(${donations.receivedAt}) filter (where ${donations.entry} = 'gift')`.mapWith((v) => (v ? new Date(v) : null)),
    })
    .from(donations)
    .where(eq(donations.supporterId, supporterId));
  return row ?? { total: 0, entries: 0, gifts: 0, first: null, last: null };
}

export async function listEmailsSent(tx: Tx, supporterId: string, limit = 200) {
  return tx
    .select({
      id: emails.id,
      template: emails.template,
      status: emails.status,
      toAddress: emails.toAddress,
      createdAt: emails.createdAt,
      sentAt: emails.sentAt,
      error: emails.error,
      failedAt: emails.failedAt,
    })
    .from(emails)
    .where(eq(emails.supporterId, supporterId))
    .orderBy(desc(emails.createdAt), desc(emails.id))
    .limit(limit);
}

export async function listNotes(tx: Tx, supporterId: string) {
  return tx
    .select({ id: supporterNotes.id, body: supporterNotes.body, createdAt: supporterNotes.createdAt, staffName: staff.name })
    .from(supporterNotes)
    .leftJoin(staff, eq(staff.id, supporterNotes.staffId))
    .where(eq(supporterNotes.supporterId, supporterId))
    .orderBy(desc(supporterNotes.createdAt), desc(supporterNotes.id));
}

export async function insertNote(tx: Tx, supporterId: string, staffId: string, body: string): Promise<void> {
  await tx.insert(supporterNotes).values({ supporterId, staffId, body });
}

export async function listTags(tx: Tx, supporterId: string): Promise<string[]> {
  const rows = await tx.select({ tag: supporterTags.tag }).from(supporterTags).where(eq(supporterTags.supporterId, supporterId)).orderBy(asc(supporterTags.tag));
  return rows.map((r) => r.tag);
}

/** Adds a tag; false when the supporter had it already. */
export async function insertTag(tx: Tx, supporterId: string, tag: string): Promise<boolean> {
  const rows = await tx.insert(supporterTags).values({ supporterId, tag }).onConflictDoNothing().returning({ tag: supporterTags.tag });
  return rows.length > 0;
}

/** Removes a tag; false when the supporter did not have it. */
export async function deleteTag(tx: Tx, supporterId: string, tag: string): Promise<boolean> {
  const rows = await tx
    .delete(supporterTags)
    .where(and(eq(supporterTags.supporterId, supporterId), eq(supporterTags.tag, tag)))
    .returning({ tag: supporterTags.tag });
  return rows.length > 0;
}

/** The merges into this supporter, newest first, with who did them. */
export async function listMergesInto(tx: Tx, keptId: string) {
  return tx
    .select({ id: supporterMerges.id, mergedId: supporterMerges.mergedId, snapshot: supporterMerges.snapshot, createdAt: supporterMerges.createdAt, staffName: staff.name })
    .from(supporterMerges)
    .leftJoin(staff, eq(staff.id, supporterMerges.staffId))
    .where(eq(supporterMerges.keptId, keptId))
    .orderBy(desc(supporterMerges.createdAt));
}
