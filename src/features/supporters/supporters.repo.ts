import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { consents, donations, subscriptions, supporters } from '../../db/schema';

export type Supporter = typeof supporters.$inferSelect;
export type NewSupporter = typeof supporters.$inferInsert;
export type NewConsent = typeof consents.$inferInsert;

export async function findSupporterByEmail(tx: Tx, emailNormalized: string): Promise<Supporter | undefined> {
  const [row] = await tx.select().from(supporters).where(eq(supporters.emailNormalized, emailNormalized));
  return row;
}

export async function findSupporterById(tx: Tx, id: string): Promise<Supporter | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const [row] = await tx.select().from(supporters).where(eq(supporters.id, id));
  return row;
}

export async function findSupporterByStripeCustomer(tx: Tx, customerId: string): Promise<Supporter | undefined> {
  const [row] = await tx.select().from(supporters).where(eq(supporters.stripeCustomerId, customerId));
  return row;
}

/** Inserts a supporter unless the email is taken; returns the stored row either way. */
export async function insertSupporterOrGet(tx: Tx, supporter: NewSupporter): Promise<{ row: Supporter; isNew: boolean }> {
  const [inserted] = await tx.insert(supporters).values(supporter).onConflictDoNothing({ target: supporters.emailNormalized }).returning();
  if (inserted) return { row: inserted, isNew: true };
  return { row: (await findSupporterByEmail(tx, supporter.emailNormalized))!, isNew: false };
}

export async function updateSupporter(tx: Tx, id: string, changes: Partial<NewSupporter>): Promise<void> {
  await tx
    .update(supporters)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(supporters.id, id));
}

/** Links the Stripe customer unless one is linked already; returns the linked id. */
export async function linkStripeCustomer(tx: Tx, id: string, customerId: string): Promise<string> {
  await tx
    .update(supporters)
    .set({ stripeCustomerId: customerId, updatedAt: sql`now()` })
    .where(and(eq(supporters.id, id), sql`${supporters.stripeCustomerId} IS NULL`));
  const [row] = await tx.select({ c: supporters.stripeCustomerId }).from(supporters).where(eq(supporters.id, id));
  return row!.c!;
}

export async function insertConsent(tx: Tx, consent: NewConsent): Promise<void> {
  await tx.insert(consents).values(consent);
}

/** The facts a supporter's status is derived from. */
export async function selectStatusFacts(tx: Tx, id: string): Promise<{ activeSubscriptions: number; anySubscriptions: number; gifts: number }> {
  const [subs] = await tx
    .select({
      active: sql<number>`count(*) filter (where ${inArray(subscriptions.status, ['active', 'past_due', 'trialing', 'unpaid'])})`.mapWith(Number),
      any: sql<number>`count(*) filter (where ${subscriptions.status} not in ('incomplete', 'incomplete_expired'))`.mapWith(Number),
    })
    .from(subscriptions)
    .where(eq(subscriptions.supporterId, id));
  const [gifts] = await tx
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(donations)
    // A gift taken back by a reversal (a staff correction) does not make someone a donor.
    .where(
      and(
        eq(donations.supporterId, id),
        eq(donations.entry, 'gift'),
        sql`not exists (select 1 from donations r where r.related_donation_id = "donations"."id" and r.entry = 'reversal')`,
      ),
    );
  return { activeSubscriptions: subs?.active ?? 0, anySubscriptions: subs?.any ?? 0, gifts: gifts?.n ?? 0 };
}

/** Number of supporters giving monthly now (the figure on /family). */
export async function countMonthlySupporters(tx: Tx): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(supporters)
    .where(eq(supporters.status, 'monthly'));
  return row?.n ?? 0;
}

/** The supporter that stands for this one now: itself, or the one it was merged into. */
export async function followMerges(tx: Tx, supporter: Supporter): Promise<Supporter> {
  let current = supporter;
  for (let hops = 0; current.mergedIntoId && hops < 10; hops++) {
    const next = await findSupporterById(tx, current.mergedIntoId);
    if (!next) break;
    current = next;
  }
  return current;
}
