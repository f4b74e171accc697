import { and, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { newsletterDeliveries, newsletters, staff } from '../../db/schema';
import type { Audience } from './audience';
import type { Newsletter } from './newsletter-email';
import { now } from '../../lib/clock';

export type { Newsletter };
export type NewsletterStatus = Newsletter['status'];

/** The statuses in which an issue's text, audience and time may still change (a held issue is sent by hand). */
export const EDITABLE: NewsletterStatus[] = ['draft', 'scheduled', 'held'];

export interface NewsletterContent {
  subjectJa: string;
  bodyJa: string;
  subjectEn: string;
  bodyEn: string;
  issueMonth: string | null;
  audience: Audience;
}

export interface DeliveryCounts {
  total: number;
  sent: number;
  failed: number;
  skipped: number;
}

/** Every issue, newest first (by when it goes or went out), with its delivery counts. */
export async function listNewsletters(tx: Tx, limit = 200): Promise<(Newsletter & { counts: DeliveryCounts })[]> {
  const rows = await tx
    .select()
    .from(newsletters)
    .where(eq(newsletters.kind, 'newsletter'))
    .orderBy(desc(sql`coalesce(${newsletters.startedAt}, ${newsletters.scheduledAt}, ${newsletters.createdAt})`), desc(newsletters.createdAt))
    .limit(limit);
  const ids = rows.map((r) => r.id);
  const counted =
    ids.length === 0
      ? []
      : await tx
          .select({ id: newsletterDeliveries.newsletterId, status: newsletterDeliveries.status, n: sql<number>`count(*)`.mapWith(Number) })
          .from(newsletterDeliveries)
          .where(inArray(newsletterDeliveries.newsletterId, ids))
          .groupBy(newsletterDeliveries.newsletterId, newsletterDeliveries.status);
  const counts = new Map<string, DeliveryCounts>();
  for (const c of counted) {
    const entry = counts.get(c.id) ?? { total: 0, sent: 0, failed: 0, skipped: 0 };
    entry.total += c.n;
    if (c.status === 'sent' || c.status === 'failed' || c.status === 'skipped') entry[c.status] += c.n;
    counts.set(c.id, entry);
  }
  return rows.map((r) => ({ ...r, counts: counts.get(r.id) ?? { total: 0, sent: 0, failed: 0, skipped: 0 } }));
}

/** One issue with the names of who wrote and who sent it. */
export async function findNewsletter(tx: Tx, id: string): Promise<(Newsletter & { createdByName: string | null }) | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await tx
    .select({ newsletter: newsletters, createdByName: staff.name })
    .from(newsletters)
    .leftJoin(staff, eq(staff.id, newsletters.createdBy))
    .where(eq(newsletters.id, id));
  return row ? { ...row.newsletter, createdByName: row.createdByName } : undefined;
}

/** Writes a new draft. */
export async function insertNewsletter(tx: Tx, content: NewsletterContent, staffId: string): Promise<Newsletter> {
  const [row] = await tx
    .insert(newsletters)
    .values({ ...content, status: 'draft', createdBy: staffId })
    .returning();
  return row!;
}

/** Changes an issue's text and audience while it is a draft or scheduled; undefined when it has left that state. */
export async function updateContent(tx: Tx, id: string, content: NewsletterContent): Promise<Newsletter | undefined> {
  const [row] = await tx
    .update(newsletters)
    .set({ ...content, updatedAt: now() })
    .where(and(eq(newsletters.id, id), inArray(newsletters.status, EDITABLE)))
    .returning();
  return row;
}

/** True when another issue already holds this month of the monthly rhythm. */
export async function isIssueMonthTaken(tx: Tx, month: string, exceptId?: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: newsletters.id })
    .from(newsletters)
    .where(and(eq(newsletters.issueMonth, month), exceptId ? ne(newsletters.id, exceptId) : undefined))
    .limit(1);
  return Boolean(row);
}

/** Schedules (or moves) the send of a draft, scheduled or held issue, with its public archive choice. */
export async function setSchedule(tx: Tx, id: string, at: Date, isPublic: boolean): Promise<Newsletter | undefined> {
  const [row] = await tx
    .update(newsletters)
    .set({ status: 'scheduled', scheduledAt: at, archiveOnSend: isPublic, updatedAt: now() })
    .where(and(eq(newsletters.id, id), inArray(newsletters.status, EDITABLE)))
    .returning();
  return row;
}

/** Takes a scheduled or held issue back to draft; undefined when it is neither (any more). */
export async function clearSchedule(tx: Tx, id: string): Promise<Newsletter | undefined> {
  const [row] = await tx
    .update(newsletters)
    .set({ status: 'draft', scheduledAt: null, archiveOnSend: null, updatedAt: now() })
    .where(and(eq(newsletters.id, id), inArray(newsletters.status, ['scheduled', 'held'])))
    .returning();
  return row;
}

/** Shows or hides a sent issue in the public archive. */
export async function setHiddenFromArchive(tx: Tx, id: string, hidden: boolean): Promise<Newsletter | undefined> {
  const [row] = await tx
    .update(newsletters)
    .set({ hiddenFromArchive: hidden, updatedAt: now() })
    .where(and(eq(newsletters.id, id), eq(newsletters.status, 'sent')))
    .returning();
  return row;
}
