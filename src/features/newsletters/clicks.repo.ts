import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { newsletterDeliveries, newsletterLinkClicks, newsletterLinks } from '../../db/schema';

/** Registers the links (once each) and returns their ids by address. */
export async function registerLinks(tx: Tx, newsletterId: string, urls: string[]): Promise<Map<string, number>> {
  const unique = [...new Set(urls)];
  if (unique.length === 0) return new Map();
  await tx
    .insert(newsletterLinks)
    .values(unique.map((url) => ({ newsletterId, url })))
    .onConflictDoNothing();
  const rows = await tx
    .select({ id: newsletterLinks.id, url: newsletterLinks.url })
    .from(newsletterLinks)
    .where(and(eq(newsletterLinks.newsletterId, newsletterId), inArray(newsletterLinks.url, unique)));
  return new Map(rows.map((r) => [r.url, r.id]));
}

/** A registered link, or undefined. */
export async function findLink(tx: Tx, id: number): Promise<{ id: number; newsletterId: string; url: string } | undefined> {
  const [row] = await tx
    .select({ id: newsletterLinks.id, newsletterId: newsletterLinks.newsletterId, url: newsletterLinks.url })
    .from(newsletterLinks)
    .where(eq(newsletterLinks.id, id));
  return row;
}

/** Whether the supporter was a recipient of the issue (a delivery row exists). */
export async function wasRecipient(tx: Tx, newsletterId: string, supporterId: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: newsletterDeliveries.id })
    .from(newsletterDeliveries)
    .where(and(eq(newsletterDeliveries.newsletterId, newsletterId), eq(newsletterDeliveries.supporterId, supporterId)))
    .limit(1);
  return Boolean(row);
}

/** Counts one click of a recipient on a link: a new row for their first, one more on it after. */
export async function recordClick(tx: Tx, linkId: number, supporterId: string): Promise<void> {
  await tx
    .insert(newsletterLinkClicks)
    .values({ linkId, supporterId })
    .onConflictDoUpdate({
      target: [newsletterLinkClicks.linkId, newsletterLinkClicks.supporterId],
      set: { clicks: sql`${newsletterLinkClicks.clicks} + 1`, lastClickedAt: sql`now()` },
    });
}

export interface LinkClicks {
  url: string;
  uniqueClicks: number;
  totalClicks: number;
}

/** Each link of an issue with its unique clickers and total clicks, most clicked first. */
export async function listLinkClicks(tx: Tx, newsletterId: string): Promise<LinkClicks[]> {
  const rows = await tx
    .select({
      url: newsletterLinks.url,
      uniqueClicks: sql<number>`count(${newsletterLinkClicks.supporterId})`.mapWith(Number),
      totalClicks: sql<number>`coalesce(sum(${newsletterLinkClicks.clicks}), 0)`.mapWith(Number),
    })
    .from(newsletterLinks)
    .leftJoin(newsletterLinkClicks, eq(newsletterLinkClicks.linkId, newsletterLinks.id))
    .where(eq(newsletterLinks.newsletterId, newsletterId))
    .groupBy(newsletterLinks.id, newsletterLinks.url)
    .orderBy(sql`3 DESC`, newsletterLinks.id);
  return rows;
}
