import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { NewsletterSettings, Settings } from '../../../config/organisation';
import type { Db, Tx } from '../../db/client';
import { newsletters, staff } from '../../db/schema';
import { recordAudit } from '../audit';
import { queueEmail } from '../emails';
import { hasPostalAddress } from '../settings';
import { roleCan, roles } from '../staff';
import { readRhythm, reminderSlot, type IssueSlot } from './rhythm';
import { holdNewsletter } from './deliveries.repo';
import { startSending } from './sending.service';

// The minute-by-minute side of the monthly rhythm, run by the `start-due-newsletters` job: scheduled
// issues start on time, and newsletter staff hear about a month that has no issue yet.

/** At most this many due issues are started in one run; the next minute takes the rest. */
const MAX_STARTS_PER_RUN = 50;

/** Statuses that mean a month has its issue: anything past draft. */
const ISSUE_STATUSES = ['scheduled', 'held', 'sending', 'paused', 'sent'] as const;

/** Roles that may send newsletters, from the one permissions table. */
const senderRoles = roles.filter((role) => roleCan(role, 'newsletters:send'));

const reminderKey = (month: string, staffId: string) => `newsletter-reminder:${month}:${staffId}`;

async function listDueNewsletterIds(tx: Tx, now: Date): Promise<string[]> {
  const rows = await tx
    .select({ id: newsletters.id })
    .from(newsletters)
    .where(and(eq(newsletters.status, 'scheduled'), lte(newsletters.scheduledAt, now)))
    .orderBy(asc(newsletters.scheduledAt), asc(newsletters.id))
    .limit(MAX_STARTS_PER_RUN);
  return rows.map((r) => r.id);
}

/** Locks a due issue until the transaction ends; undefined when another worker holds it or it is no longer due. */
async function lockDueNewsletter(tx: Tx, id: string, now: Date): Promise<string | undefined> {
  const [row] = await tx
    .select({ id: newsletters.id })
    .from(newsletters)
    .where(and(eq(newsletters.id, id), eq(newsletters.status, 'scheduled'), lte(newsletters.scheduledAt, now)))
    .for('update', { skipLocked: true });
  return row?.id;
}

async function hasIssueFor(tx: Tx, month: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: newsletters.id })
    .from(newsletters)
    .where(and(eq(newsletters.issueMonth, month), inArray(newsletters.status, [...ISSUE_STATUSES])))
    .limit(1);
  return row !== undefined;
}

/** Active staff who may send newsletters and have not had this month's reminder. */
async function listStaffToRemind(tx: Tx, month: string): Promise<{ id: string; email: string; name: string }[]> {
  return tx
    .select({ id: staff.id, email: staff.email, name: staff.name })
    .from(staff)
    .where(
      and(
        eq(staff.isActive, true),
        inArray(staff.role, senderRoles),
        // A cheap pre-check so the every-minute run writes nothing once everyone has theirs; the
        // unique dedupe key in queueEmail is what actually keeps it to one.
        sql`NOT EXISTS (SELECT 1 FROM emails e WHERE e.dedupe_key = ${reminderKey(month, '')} || ${staff.id}::text)`,
      ),
    )
    .orderBy(asc(staff.createdAt));
}

export interface StartResult {
  started: string[];
  /** Due issues held instead of sent: the footer has no postal address. */
  held: string[];
  failed: { id: string; error: string }[];
}

/**
 * Starts every scheduled newsletter whose time has come, each in its own transaction with its row
 * locked (FOR UPDATE SKIP LOCKED), so two workers never start one issue and one failure stops no other.
 * Without the sender's postal address (`canSend` false) each due issue is held instead, and audited.
 */
export async function startScheduledNewsletters(db: Db, now: Date, canSend = true): Promise<StartResult> {
  const result: StartResult = { started: [], held: [], failed: [] };
  for (const id of await listDueNewsletterIds(db, now)) {
    try {
      const outcome = await db.transaction(async (tx) => {
        if (!(await lockDueNewsletter(tx, id, now))) return undefined;
        if (!canSend) {
          await holdNewsletter(tx, id);
          await recordAudit(tx, { staffId: null, action: 'newsletter.hold', targetType: 'newsletter', targetId: id, detail: { reason: 'postal_address' } });
          return 'held' as const;
        }
        return (await startSending(tx, id, null)).started ? ('started' as const) : undefined;
      });
      if (outcome) result[outcome].push(id);
    } catch (err) {
      result.failed.push({ id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return result;
}

/**
 * Emails each active staff member who may send newsletters when the next issue is due within
 * reminderDaysBefore days and its month has no issue past draft; once per month and person.
 * Returns the slot reminded about and how many emails were queued.
 */
export async function remindUnscheduledMonth(db: Db, settings: NewsletterSettings, now: Date): Promise<{ slot?: IssueSlot; queued: number }> {
  const slot = reminderSlot(settings, now);
  if (!slot) return { queued: 0 };
  return db.transaction(async (tx) => {
    if (await hasIssueFor(tx, slot.month)) return { slot, queued: 0 };
    const [year, month] = slot.month.split('-').map(Number) as [number, number];
    let queued = 0;
    for (const person of await listStaffToRemind(tx, slot.month)) {
      const id = await queueEmail(tx, {
        template: 'newsletter-reminder',
        to: person.email,
        // Staff have no language setting: their emails are in Japanese.
        locale: 'ja',
        params: { name: person.name, issueMonth: slot.month, year, month, slotAt: slot.at.toISOString(), days: readRhythm(settings).reminderDays },
        dedupeKey: reminderKey(slot.month, person.id),
      });
      if (id !== undefined) queued += 1;
    }
    return { slot, queued };
  });
}

export interface RhythmRun extends StartResult {
  reminded: number;
  reminderMonth?: string;
}

/**
 * One run of the rhythm: starts the issues that are due first (or holds them while the footer lacks the
 * postal address), so a month whose issue just started is not reminded about.
 */
export async function runNewsletterRhythm(db: Db, settings: Settings, now: Date): Promise<RhythmRun> {
  const started = await startScheduledNewsletters(db, now, hasPostalAddress(settings));
  const reminder = await remindUnscheduledMonth(db, settings.newsletter, now);
  return { ...started, reminded: reminder.queued, reminderMonth: reminder.slot?.month };
}
