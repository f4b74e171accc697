import { and, asc, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import {
  annualReceipts,
  cancellationReasons,
  consents,
  deletionRequests,
  donations,
  emails,
  loginLinks,
  newsletterDeliveries,
  newsletterSignups,
  newsletters,
  sessions,
  staff,
  stripeEvents,
  subscriptions,
  supporterMerges,
  supporterNotes,
  supporterTags,
  supporters,
} from '../../db/schema';
import type { Supporter } from './supporters.repo';
import { now } from '../../lib/clock';

// The SQL of personal data: reading everything held about a supporter, deletion requests, and erasure.

export type DeletionRequest = typeof deletionRequests.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;

/** Every row held about one supporter, by table (emails without their params). */
export async function selectPersonalRows(tx: Tx, supporterId: string) {
  const [consentRows, subscriptionRows, ledger, emailRows, tags, notes, reasons, requests, merges, deliveries, receipts] = await Promise.all([
    tx.select().from(consents).where(eq(consents.supporterId, supporterId)).orderBy(asc(consents.createdAt), asc(consents.id)),
    tx.select().from(subscriptions).where(eq(subscriptions.supporterId, supporterId)).orderBy(asc(subscriptions.createdAt)),
    tx.select().from(donations).where(eq(donations.supporterId, supporterId)).orderBy(asc(donations.receivedAt), asc(donations.createdAt)),
    tx
      .select({ template: emails.template, toAddress: emails.toAddress, locale: emails.locale, status: emails.status, createdAt: emails.createdAt, sentAt: emails.sentAt })
      .from(emails)
      .where(eq(emails.supporterId, supporterId))
      .orderBy(asc(emails.createdAt), asc(emails.id)),
    tx.select({ tag: supporterTags.tag, createdAt: supporterTags.createdAt }).from(supporterTags).where(eq(supporterTags.supporterId, supporterId)).orderBy(asc(supporterTags.tag)),
    tx
      .select({ body: supporterNotes.body, createdAt: supporterNotes.createdAt })
      .from(supporterNotes)
      .where(eq(supporterNotes.supporterId, supporterId))
      .orderBy(asc(supporterNotes.createdAt), asc(supporterNotes.id)),
    tx
      .select({ reason: cancellationReasons.reason, createdAt: cancellationReasons.createdAt })
      .from(cancellationReasons)
      .where(eq(cancellationReasons.supporterId, supporterId))
      .orderBy(asc(cancellationReasons.createdAt)),
    tx.select().from(deletionRequests).where(eq(deletionRequests.supporterId, supporterId)).orderBy(asc(deletionRequests.requestedAt)),
    tx
      .select({ snapshot: supporterMerges.snapshot, createdAt: supporterMerges.createdAt })
      .from(supporterMerges)
      .where(eq(supporterMerges.keptId, supporterId))
      .orderBy(asc(supporterMerges.createdAt)),
    tx
      .select({
        subject: newsletters.subjectJa,
        kind: newsletters.kind,
        email: newsletterDeliveries.email,
        status: newsletterDeliveries.status,
        sentAt: newsletterDeliveries.sentAt,
        reason: newsletterDeliveries.reason,
      })
      .from(newsletterDeliveries)
      .innerJoin(newsletters, eq(newsletters.id, newsletterDeliveries.newsletterId))
      .where(eq(newsletterDeliveries.supporterId, supporterId))
      .orderBy(asc(newsletterDeliveries.id)),
    tx
      .select({ year: annualReceipts.year, number: annualReceipts.number, status: annualReceipts.status, total: annualReceipts.total, issuedAt: annualReceipts.issuedAt })
      .from(annualReceipts)
      .where(eq(annualReceipts.supporterId, supporterId))
      .orderBy(asc(annualReceipts.year), asc(annualReceipts.issuedAt)),
  ]);
  return { consentRows, subscriptionRows, ledger, emailRows, tags, notes, reasons, requests, merges, deliveries, receipts };
}

/** Opens a deletion request unless one is pending already; returns the new id, or undefined. */
export async function insertPendingDeletion(tx: Tx, supporterId: string): Promise<string | undefined> {
  // The partial unique index (one pending request per supporter) makes a second request a no-op.
  const [row] = await tx.insert(deletionRequests).values({ supporterId }).onConflictDoNothing().returning({ id: deletionRequests.id });
  return row?.id;
}

/** One deletion request by id (a well-formed UUID only). */
export async function findDeletionRequest(tx: Tx, id: string): Promise<DeletionRequest | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const [row] = await tx.select().from(deletionRequests).where(eq(deletionRequests.id, id));
  return row;
}

/** The name of a staff member (who decided a request), if they still exist. */
export async function selectStaffName(tx: Tx, id: string | null): Promise<string | undefined> {
  if (!id) return undefined;
  const [row] = await tx.select({ name: staff.name }).from(staff).where(eq(staff.id, id));
  return row?.name;
}

/** Locks a deletion request for the rest of the transaction. */
export async function lockDeletionRequest(tx: Tx, id: string): Promise<DeletionRequest | undefined> {
  const [row] = await tx.select().from(deletionRequests).where(eq(deletionRequests.id, id)).for('update');
  return row;
}

/** Every deletion request with its supporter: pending first (oldest first), then decided (newest first). */
export async function selectDeletionRequests(tx: Tx, limit = 200) {
  return tx
    .select({ request: deletionRequests, supporter: supporters, decidedByName: staff.name })
    .from(deletionRequests)
    .innerJoin(supporters, eq(supporters.id, deletionRequests.supporterId))
    .leftJoin(staff, eq(staff.id, deletionRequests.decidedBy))
    .orderBy(
      sql`case when ${deletionRequests.status} = 'pending' then 0 else 1 end`,
      sql`case when ${deletionRequests.status} = 'pending' then ${deletionRequests.requestedAt} end asc`,
      desc(sql`coalesce(${deletionRequests.decidedAt}, ${deletionRequests.requestedAt})`),
    )
    .limit(limit);
}

/** Marks a pending request decided (completed or declined) by a staff member. */
export async function decideDeletionRequest(tx: Tx, id: string, status: 'completed' | 'declined', staffId: string): Promise<void> {
  await tx
    .update(deletionRequests)
    .set({ status, decidedBy: staffId, decidedAt: now() })
    .where(and(eq(deletionRequests.id, id), eq(deletionRequests.status, 'pending')));
}

/** Completes every pending request of these supporters (a merged duplicate may have asked too). */
export async function completeDeletionRequests(tx: Tx, supporterIds: string[], staffId: string, at: Date): Promise<void> {
  await tx
    .update(deletionRequests)
    .set({ status: 'completed', decidedBy: staffId, decidedAt: at })
    .where(and(inArray(deletionRequests.supporterId, supporterIds), eq(deletionRequests.status, 'pending')));
}

/** Ids of supporters merged into this one (directly or through earlier merges). */
export async function selectMergedInto(tx: Tx, supporterId: string): Promise<string[]> {
  const found: string[] = [];
  let frontier = [supporterId];
  for (let depth = 0; frontier.length > 0 && depth < 10; depth++) {
    const rows = await tx.select({ id: supporters.id }).from(supporters).where(inArray(supporters.mergedIntoId, frontier));
    frontier = rows.map((r) => r.id).filter((id) => id !== supporterId && !found.includes(id));
    found.push(...frontier);
  }
  return found;
}

/** Locks the supporter rows, in id order. */
export async function lockSupporters(tx: Tx, ids: string[]): Promise<Supporter[]> {
  return tx.select().from(supporters).where(inArray(supporters.id, ids)).orderBy(supporters.id).for('update');
}

/** The supporter rows with these ids, in id order. */
export async function selectSupporters(tx: Tx, ids: string[]): Promise<Supporter[]> {
  return tx.select().from(supporters).where(inArray(supporters.id, ids)).orderBy(supporters.id);
}

/** Subscriptions of these supporters in one of the given Stripe statuses. */
export async function selectSubscriptionsIn(tx: Tx, ids: string[], statuses: readonly string[]): Promise<SubscriptionRow[]> {
  return tx
    .select()
    .from(subscriptions)
    .where(and(inArray(subscriptions.supporterId, ids), inArray(subscriptions.status, [...statuses])));
}

const n = sql<number>`count(*)`.mapWith(Number);

/** How much would be erased, and what the ledger keeps (rows and total). */
export async function countErasable(tx: Tx, ids: string[]) {
  // One after the other: inside a transaction the queries share one connection.
  const ledger = await tx
    .select({ n, total: sql<number>`coalesce(sum(${donations.amount}), 0)`.mapWith(Number) })
    .from(donations)
    .where(inArray(donations.supporterId, ids));
  const consentRows = await tx.select({ n }).from(consents).where(inArray(consents.supporterId, ids));
  const emailRows = await tx.select({ n }).from(emails).where(inArray(emails.supporterId, ids));
  const notes = await tx.select({ n }).from(supporterNotes).where(inArray(supporterNotes.supporterId, ids));
  const tags = await tx.select({ n }).from(supporterTags).where(inArray(supporterTags.supporterId, ids));
  const reasons = await tx.select({ n }).from(cancellationReasons).where(inArray(cancellationReasons.supporterId, ids));
  return {
    ledgerRows: ledger[0]?.n ?? 0,
    ledgerTotal: ledger[0]?.total ?? 0,
    consents: consentRows[0]?.n ?? 0,
    emails: emailRows[0]?.n ?? 0,
    notes: notes[0]?.n ?? 0,
    tags: tags[0]?.n ?? 0,
    cancellationReasons: reasons[0]?.n ?? 0,
  };
}

/** Replaces the supporter's personal columns; the row and its id stay, so the ledger keeps its owner. */
export async function blankSupporter(tx: Tx, id: string, erasedAddress: string, at: Date): Promise<void> {
  await tx
    .update(supporters)
    .set({
      familyName: '',
      givenName: '',
      familyNameKana: null,
      givenNameKana: null,
      organisationName: null,
      postalCode: null,
      prefecture: null,
      address: null,
      phone: null,
      email: erasedAddress,
      emailNormalized: erasedAddress,
      newsletter: false,
      postalMail: false,
      erasedAt: at,
      updatedAt: at,
    })
    .where(eq(supporters.id, id));
}

/**
 * Erases personal values in the rows that belong to these supporters. Consent rows stay (they are the
 * record of what was agreed) without ip and user agent; ledger rows stay with their money columns.
 */
export async function scrubOwnedRows(tx: Tx, owner: { ids: string[]; stripeCustomerIds: string[]; addresses: string[] }): Promise<void> {
  const { ids, stripeCustomerIds, addresses } = owner;
  await tx.update(consents).set({ ip: null, userAgent: null }).where(inArray(consents.supporterId, ids));
  // Newsletter signups are requests, not consents (a confirmed one is a consents row): they go with their IP.
  await tx.delete(newsletterSignups).where(inArray(newsletterSignups.supporterId, ids));
  await tx
    .update(emails)
    .set({ toAddress: sql`'erased-' || ${emails.supporterId} || '@erased.invalid'`, params: {} })
    .where(inArray(emails.supporterId, ids));
  // An email still waiting would go to the erased address: it is not sent at all.
  await tx
    .update(emails)
    .set({ status: 'failed', error: 'recipient erased' })
    .where(and(inArray(emails.supporterId, ids), eq(emails.status, 'queued')));
  // Newsletter and annual report deliveries keep their counts, not the address; one still waiting is skipped.
  await tx
    .update(newsletterDeliveries)
    .set({ email: sql`'erased-' || ${newsletterDeliveries.supporterId} || '@erased.invalid'` })
    .where(inArray(newsletterDeliveries.supporterId, ids));
  await tx
    .update(newsletterDeliveries)
    .set({ status: 'skipped', reason: 'erased' })
    .where(and(inArray(newsletterDeliveries.supporterId, ids), eq(newsletterDeliveries.status, 'queued')));
  await tx.delete(supporterNotes).where(inArray(supporterNotes.supporterId, ids));
  // A free-text reason for stopping is the person's own words: it goes too.
  await tx.delete(cancellationReasons).where(inArray(cancellationReasons.supporterId, ids));
  await tx.delete(supporterTags).where(inArray(supporterTags.supporterId, ids));
  await tx.update(donations).set({ payerName: null }).where(inArray(donations.supporterId, ids));
  // A merge keeps only who was merged into whom and what moved; the snapshot's personal details go.
  await tx
    .update(supporterMerges)
    .set({ snapshot: sql`jsonb_set(${supporterMerges.snapshot}, '{supporter}', jsonb_build_object('id', ${supporterMerges.snapshot}->'supporter'->'id', 'erased', true))` })
    .where(sql`${inArray(supporterMerges.mergedId, ids)} or ${inArray(supporterMerges.keptId, ids)}`);
  // Stored webhook payloads carry names and addresses (checkout, invoices, charges); processing needs
  // only the object's id, so that is all they keep.
  const object = sql`${stripeEvents.payload}->'data'->'object'`;
  const owners = [sql`${object}->'metadata'->>'supporter_id' in ${ids}`];
  if (stripeCustomerIds.length > 0) owners.push(sql`${object}->>'customer' in ${stripeCustomerIds}`, sql`${object}->>'id' in ${stripeCustomerIds}`);
  await tx
    .update(stripeEvents)
    .set({
      payload: sql`jsonb_build_object('id', ${stripeEvents.payload}->'id', 'type', ${stripeEvents.payload}->'type', 'created', ${stripeEvents.payload}->'created', 'data', jsonb_build_object('object', jsonb_build_object('id', ${object}->'id')), 'erased', true)`,
    })
    .where(sql.join(owners, sql` or `));
  await tx.delete(sessions).where(inArray(sql`${sessions.data}->>'supporterId'`, ids));
  // Sign-in links: the person's own, and any request for their address the job has not looked up yet.
  await tx
    .delete(loginLinks)
    .where(addresses.length > 0 ? or(inArray(loginLinks.supporterId, ids), inArray(loginLinks.emailNormalized, addresses)) : inArray(loginLinks.supporterId, ids));
}
