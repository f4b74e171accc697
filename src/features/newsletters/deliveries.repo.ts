import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { newsletterDeliveries, newsletters, supporters, type Audience } from '../../db/schema';
import { eligibleForSend } from './audience';

export type Newsletter = typeof newsletters.$inferSelect;
export type NewsletterStatus = Newsletter['status'];
export type DeliveryStatus = (typeof newsletterDeliveries.$inferSelect)['status'];
export const deliveryStatuses = ['queued', 'sending', 'sent', 'failed', 'skipped'] as const satisfies readonly DeliveryStatus[];

/** A row a worker has claimed and now has to send. */
export interface ClaimedDelivery {
  id: number;
  supporterId: string;
  email: string;
  locale: 'ja' | 'en';
  /** Failed attempts so far (temporary SMTP errors). */
  attempts: number;
}

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** The newsletter, or undefined. */
export async function findNewsletter(tx: Tx, id: string): Promise<Newsletter | undefined> {
  const [row] = await tx.select().from(newsletters).where(eq(newsletters.id, id));
  return row;
}

/** The newsletter's status, or undefined when it does not exist. */
export async function selectNewsletterStatus(tx: Tx, id: string): Promise<NewsletterStatus | undefined> {
  const [row] = await tx.select({ status: newsletters.status }).from(newsletters).where(eq(newsletters.id, id));
  return row?.status;
}

/**
 * Moves a draft, scheduled or held newsletter to `sending`; its audience when it moved, undefined otherwise.
 * The public archive shows it when `isPublic` says so; without a choice, as chosen with the schedule,
 * else when it goes to everyone (an issue for a segment or a tag speaks to those readers, not to the public).
 */
export async function markNewsletterSending(tx: Tx, id: string, staffId: string | null, isPublic?: boolean): Promise<Audience | undefined> {
  // No choice given (a scheduled send): the one stored with the schedule, else only an issue to everyone is shown.
  const hidden = isPublic === undefined ? sql`NOT coalesce(${newsletters.archiveOnSend}, (${newsletters.audience}->>'segment') = 'all')` : !isPublic;
  const [row] = await tx
    .update(newsletters)
    .set({ status: 'sending', startedAt: sql`now()`, finishedAt: null, sentBy: staffId, hiddenFromArchive: hidden, updatedAt: sql`now()` })
    .where(and(eq(newsletters.id, id), inArray(newsletters.status, ['draft', 'scheduled', 'held'])))
    .returning({ audience: newsletters.audience });
  return row?.audience;
}

/** Holds a scheduled newsletter whose time came while it could not be sent; true when it was scheduled. */
export async function holdNewsletter(tx: Tx, id: string): Promise<boolean> {
  return changeNewsletterStatus(tx, id, ['scheduled'], 'held');
}

/** Changes the status when it is one of `from`; true when it changed. */
export async function changeNewsletterStatus(tx: Tx, id: string, from: NewsletterStatus[], to: NewsletterStatus): Promise<boolean> {
  const changed = await tx
    .update(newsletters)
    .set({ status: to, updatedAt: sql`now()`, ...(to === 'sending' ? { finishedAt: null } : {}) })
    .where(and(eq(newsletters.id, id), inArray(newsletters.status, from)))
    .returning({ id: newsletters.id });
  return changed.length > 0;
}

/** Locks the newsletter's row until the transaction ends and returns its status. */
export async function lockNewsletterStatus(tx: Tx, id: string): Promise<NewsletterStatus | undefined> {
  const [row] = await tx.select({ status: newsletters.status }).from(newsletters).where(eq(newsletters.id, id)).for('update');
  return row?.status;
}

/**
 * Marks a sending newsletter `sent` once none of its rows is queued or sending; true when it did.
 * The row lock comes first, so the count below sees rows that a concurrent `resendFailed` (which
 * holds the same lock) queued again.
 */
export async function finishNewsletterIfDone(db: Db, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    if ((await lockNewsletterStatus(tx, id)) !== 'sending') return false;
    const done = rowsOf<{ id: string }>(
      await tx.execute(sql`
        UPDATE newsletters n SET status = 'sent', finished_at = now(), updated_at = now()
        WHERE n.id = ${id}::uuid
          AND NOT EXISTS (SELECT 1 FROM newsletter_deliveries d WHERE d.newsletter_id = n.id AND d.status IN ('queued', 'sending'))
        RETURNING n.id`),
    );
    return done.length > 0;
  });
}

/**
 * Claims up to `limit` rows that are due (queued and past their backoff) or whose claim is older than
 * the lease (a killed worker's). Each supporter is checked again: a row whose supporter unsubscribed,
 * bounced, was erased or merged since the send started becomes `skipped` with the reason, never sent.
 */
export async function claimDeliveries(tx: Tx, newsletterId: string, limit: number, leaseSeconds: number): Promise<{ claimed: ClaimedDelivery[]; skipped: number }> {
  const rows = rowsOf<{ id: string; supporter_id: string; email: string; locale: 'ja' | 'en'; attempts: number; status: DeliveryStatus }>(
    await tx.execute(sql`
      WITH picked AS (
        SELECT d.id FROM newsletter_deliveries d
        WHERE d.newsletter_id = ${newsletterId}::uuid
          AND ((d.status = 'queued' AND d.next_attempt_at <= now())
            OR (d.status = 'sending' AND d.claimed_at < now() - make_interval(secs => ${leaseSeconds})))
        ORDER BY d.id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ), checked AS (
        SELECT p.id,
          CASE WHEN ${eligibleForSend} THEN NULL
            WHEN s.erased_at IS NOT NULL OR s.email LIKE '%.invalid' THEN 'erased'
            WHEN s.merged_into_id IS NOT NULL THEN 'merged'
            WHEN s.email_bounced_at IS NOT NULL THEN 'bounced'
            ELSE 'unsubscribed' END AS skip
        FROM picked p
        JOIN newsletter_deliveries d ON d.id = p.id
        JOIN supporters s ON s.id = d.supporter_id
        JOIN newsletters n ON n.id = d.newsletter_id
      )
      UPDATE newsletter_deliveries d
      SET status = CASE WHEN c.skip IS NULL THEN 'sending' ELSE 'skipped' END,
          claimed_at = now(),
          reason = coalesce(c.skip, d.reason)
      FROM checked c
      WHERE d.id = c.id
      RETURNING d.id, d.supporter_id, d.email, d.locale, d.attempts, d.status`),
  );
  const claimed = rows
    .filter((r) => r.status === 'sending')
    .map((r) => ({ id: Number(r.id), supporterId: r.supporter_id, email: r.email, locale: r.locale === 'en' ? ('en' as const) : ('ja' as const), attempts: Number(r.attempts) }))
    .sort((a, b) => a.id - b.id);
  return { claimed, skipped: rows.length - claimed.length };
}

/** Renews the claim on rows this worker still holds, so that no other worker takes them over. */
export async function renewClaims(tx: Tx, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .update(newsletterDeliveries)
    .set({ claimedAt: sql`now()` })
    .where(and(inArray(newsletterDeliveries.id, ids), eq(newsletterDeliveries.status, 'sending')));
}

/** Gives claimed rows that were not attempted back to the queue (a pause, an error). */
export async function releaseClaims(tx: Tx, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .update(newsletterDeliveries)
    .set({ status: 'queued', claimedAt: null })
    .where(and(inArray(newsletterDeliveries.id, ids), eq(newsletterDeliveries.status, 'sending')));
}

/** Marks rows sent, right after the SMTP server accepted their messages. */
export async function markDeliveriesSent(tx: Tx, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .update(newsletterDeliveries)
    .set({ status: 'sent', sentAt: sql`now()`, reason: null })
    .where(and(inArray(newsletterDeliveries.id, ids), eq(newsletterDeliveries.status, 'sending')));
}

/** Puts a row back in the queue after a temporary failure, due again after `delaySeconds`. */
export async function retryDeliveryLater(tx: Tx, id: number, attempts: number, delaySeconds: number, reason: string): Promise<void> {
  await tx
    .update(newsletterDeliveries)
    .set({ status: 'queued', attempts, nextAttemptAt: sql`now() + make_interval(secs => ${delaySeconds})`, claimedAt: null, reason })
    .where(and(eq(newsletterDeliveries.id, id), eq(newsletterDeliveries.status, 'sending')));
}

/** Marks a row failed for good with the SMTP reply. */
export async function markDeliveryFailed(tx: Tx, id: number, attempts: number, reason: string): Promise<void> {
  await tx
    .update(newsletterDeliveries)
    .set({ status: 'failed', attempts, reason })
    .where(and(eq(newsletterDeliveries.id, id), eq(newsletterDeliveries.status, 'sending')));
}

/**
 * Records a permanent bounce on the supporter, unless they have changed their address since the row
 * was written (the new address has not bounced).
 */
export async function markAddressBounced(tx: Tx, supporterId: string, email: string, reason: string): Promise<void> {
  await tx
    .update(supporters)
    .set({ emailBouncedAt: sql`now()`, emailBounceReason: reason, updatedAt: sql`now()` })
    .where(and(eq(supporters.id, supporterId), sql`${supporters.emailBouncedAt} IS NULL`, sql`lower(${supporters.email}) = lower(${email})`));
}

/** How many rows are still open (queued or sending), and in how many ms the next one can be claimed. */
export async function selectOpenDeliveries(tx: Tx, newsletterId: string, leaseSeconds: number): Promise<{ open: number; dueInMs: number }> {
  const [row] = rowsOf<{ open: string; due_in_ms: string | null }>(
    await tx.execute(sql`
      SELECT count(*)::text AS open,
        (extract(epoch FROM min(CASE WHEN status = 'queued' THEN next_attempt_at ELSE claimed_at + make_interval(secs => ${leaseSeconds}) END) - now()) * 1000)::text AS due_in_ms
      FROM newsletter_deliveries
      WHERE newsletter_id = ${newsletterId}::uuid AND status IN ('queued', 'sending')`),
  );
  return { open: Number(row?.open ?? 0), dueInMs: Math.max(0, Number(row?.due_in_ms ?? 0)) };
}

/**
 * Puts failed rows back in the queue (attempts from zero), except those whose supporter may not
 * receive newsletters any more (bounced, unsubscribed, erased, merged). Returns how many.
 */
export async function requeueFailed(tx: Tx, newsletterId: string): Promise<number> {
  const rows = rowsOf<{ id: string }>(
    await tx.execute(sql`
      UPDATE newsletter_deliveries d
      SET status = 'queued', attempts = 0, next_attempt_at = now(), claimed_at = NULL, reason = NULL
      FROM supporters s, newsletters n
      WHERE d.newsletter_id = ${newsletterId}::uuid AND d.status = 'failed' AND s.id = d.supporter_id AND n.id = d.newsletter_id AND ${eligibleForSend}
      RETURNING d.id`),
  );
  return rows.length;
}

/** The number of rows in each status. */
export async function countDeliveriesByStatus(tx: Tx, newsletterId: string): Promise<Record<DeliveryStatus, number>> {
  const rows = await tx
    .select({ status: newsletterDeliveries.status, count: sql<string>`count(*)::text` })
    .from(newsletterDeliveries)
    .where(eq(newsletterDeliveries.newsletterId, newsletterId))
    .groupBy(newsletterDeliveries.status);
  const counts = Object.fromEntries(deliveryStatuses.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
  for (const row of rows) counts[row.status] = Number(row.count);
  return counts;
}

/** One page of a newsletter's rows in id order, with the supporter's name. */
export async function selectDeliveries(tx: Tx, newsletterId: string, opts: { status?: DeliveryStatus; limit: number; offset: number }) {
  const where = and(eq(newsletterDeliveries.newsletterId, newsletterId), opts.status ? eq(newsletterDeliveries.status, opts.status) : undefined);
  const [counted] = await tx
    .select({ count: sql<string>`count(*)::text` })
    .from(newsletterDeliveries)
    .where(where);
  const rows = await tx
    .select({
      id: newsletterDeliveries.id,
      supporterId: newsletterDeliveries.supporterId,
      name: sql<string>`trim(${supporters.familyName} || ' ' || ${supporters.givenName})`,
      email: newsletterDeliveries.email,
      locale: newsletterDeliveries.locale,
      status: newsletterDeliveries.status,
      attempts: newsletterDeliveries.attempts,
      sentAt: newsletterDeliveries.sentAt,
      reason: newsletterDeliveries.reason,
    })
    .from(newsletterDeliveries)
    .innerJoin(supporters, eq(supporters.id, newsletterDeliveries.supporterId))
    .where(where)
    .orderBy(asc(newsletterDeliveries.id))
    .limit(opts.limit)
    .offset(opts.offset);
  return { rows, total: Number(counted?.count ?? 0) };
}
