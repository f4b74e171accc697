import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { consents, newsletterSignups } from '../../db/schema';

export type NewsletterSignup = typeof newsletterSignups.$inferSelect;
export type NewNewsletterSignup = typeof newsletterSignups.$inferInsert;

export async function insertSignup(tx: Tx, row: NewNewsletterSignup): Promise<void> {
  await tx.insert(newsletterSignups).values(row);
}

/** The unconfirmed signups that came with a Checkout Session and have no link out yet, locked. */
export async function lockSignupsOfCheckout(tx: Tx, checkoutSessionId: string): Promise<NewsletterSignup[]> {
  return tx
    .select()
    .from(newsletterSignups)
    .where(and(eq(newsletterSignups.checkoutSessionId, checkoutSessionId), isNull(newsletterSignups.confirmedAt), isNull(newsletterSignups.expiresAt)))
    .for('update');
}

/** Opens the emailed link of a signup until `expiresAt`; false when it was opened already. */
export async function openSignupLink(tx: Tx, id: string, expiresAt: Date): Promise<boolean> {
  const rows = await tx
    .update(newsletterSignups)
    .set({ expiresAt })
    .where(and(eq(newsletterSignups.id, id), isNull(newsletterSignups.expiresAt), isNull(newsletterSignups.confirmedAt)))
    .returning({ id: newsletterSignups.id });
  return rows.length > 0;
}

export async function markSignupConfirmed(tx: Tx, id: string, by: 'payment' | 'link', at: Date): Promise<void> {
  await tx.update(newsletterSignups).set({ confirmedAt: at, confirmedBy: by }).where(eq(newsletterSignups.id, id));
}

/** A signup whose emailed link still confirms (not used, not expired). */
export async function findConfirmableSignup(tx: Tx, id: string, now: Date): Promise<NewsletterSignup | undefined> {
  const [row] = await tx
    .select()
    .from(newsletterSignups)
    .where(and(eq(newsletterSignups.id, id), isNull(newsletterSignups.confirmedAt), gt(newsletterSignups.expiresAt, now)));
  return row;
}

/** Confirms by link once (atomic): the row when this call confirmed it, undefined when used, expired or unknown. */
export async function useSignupLink(tx: Tx, id: string, now: Date): Promise<NewsletterSignup | undefined> {
  const [row] = await tx
    .update(newsletterSignups)
    .set({ confirmedAt: now, confirmedBy: 'link' })
    .where(and(eq(newsletterSignups.id, id), isNull(newsletterSignups.confirmedAt), gt(newsletterSignups.expiresAt, now)))
    .returning();
  return row;
}

/** Whether the supporter ever withdrew newsletter consent (unsubscribed, or turned it off). */
export async function hasWithdrawnNewsletter(tx: Tx, supporterId: string): Promise<boolean> {
  const [row] = await tx
    .select({ one: sql<number>`1` })
    .from(consents)
    .where(and(eq(consents.supporterId, supporterId), eq(consents.purpose, 'newsletter'), eq(consents.granted, false)))
    .limit(1);
  return Boolean(row);
}
