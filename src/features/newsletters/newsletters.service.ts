import { and, eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../../context';
import type { Db } from '../../db/client';
import { isUniqueViolation } from '../../db/errors';
import { newsletters } from '../../db/schema';
import type { Locale } from '../../lib/i18n';
import { recordAudit } from '../audit';
import { listLinkClicks, type LinkClicks } from './clicks.repo';
import { previewAudience } from './audience';
import { contentFor, messageFor, renderIssue, type NewsletterRenderDeps } from './newsletter-email';
import {
  clearSchedule,
  EDITABLE,
  findNewsletter,
  insertNewsletter,
  isIssueMonthTaken,
  setHiddenFromArchive,
  setSchedule,
  updateContent,
  type Newsletter,
  type NewsletterContent,
} from './newsletters.repo';
import type { TestLanguage } from './newsletters.schemas';
import { deliveryProgress, listDeliveries, pauseSending, resendFailed, resumeSending, startSending, type DeliveryListItem, type DeliveryProgress } from './sending.service';

// The console's use cases for 「WELgeeファミリー通信」. Every change is audited in the transaction that makes it.

export interface StaffContext {
  staffId: string;
  ip?: string;
}

export type SaveOutcome = { ok: true; newsletter: Newsletter } | { ok: false; problem: 'notFound' | 'notEditable' } | { ok: false; errors: Record<string, string> };

const monthTaken = { ok: false as const, errors: { issue_month: 'newsletters.errors.monthTaken' } };

/** Writes a new draft. */
export async function createNewsletter(db: Db, content: NewsletterContent, by: StaffContext): Promise<SaveOutcome> {
  try {
    return await db.transaction(async (tx): Promise<SaveOutcome> => {
      if (content.issueMonth && (await isIssueMonthTaken(tx, content.issueMonth))) return monthTaken;
      const newsletter = await insertNewsletter(tx, content, by.staffId);
      await recordAudit(tx, {
        staffId: by.staffId,
        action: 'newsletter.create',
        targetType: 'newsletter',
        targetId: newsletter.id,
        detail: { issueMonth: content.issueMonth, audience: content.audience },
        ip: by.ip,
      });
      return { ok: true, newsletter };
    });
  } catch (err) {
    // Two issues saved for one month at the same moment: the unique index decides.
    if (isUniqueViolation(err)) return monthTaken;
    throw err;
  }
}

/** Changes a draft or scheduled issue; an issue that has started sending is not edited. */
export async function updateNewsletter(db: Db, id: string, content: NewsletterContent, by: StaffContext): Promise<SaveOutcome> {
  try {
    return await db.transaction(async (tx): Promise<SaveOutcome> => {
      const before = await findNewsletter(tx, id);
      if (!before) return { ok: false, problem: 'notFound' };
      if (content.issueMonth && (await isIssueMonthTaken(tx, content.issueMonth, id))) return monthTaken;
      const newsletter = await updateContent(tx, id, content);
      if (!newsletter) return { ok: false, problem: 'notEditable' };
      const changed = (['subjectJa', 'bodyJa', 'subjectEn', 'bodyEn', 'issueMonth'] as const).filter((k) => before[k] !== content[k]);
      if (JSON.stringify(before.audience) !== JSON.stringify(content.audience)) changed.push('audience' as never);
      await recordAudit(tx, { staffId: by.staffId, action: 'newsletter.edit', targetType: 'newsletter', targetId: id, detail: { changed, status: newsletter.status }, ip: by.ip });
      return { ok: true, newsletter };
    });
  } catch (err) {
    if (isUniqueViolation(err)) return monthTaken;
    throw err;
  }
}

export type ActionOutcome = { ok: true; newsletter?: Newsletter } | { ok: false; problem: 'notFound' | 'wrongStatus' | 'noRecipients' | 'nothingToResend' };

/** Runs a status change on a locked issue in one of the allowed statuses, with its audit entry. */
async function onLocked(
  db: Db,
  id: string,
  allowed: Newsletter['status'][],
  change: (tx: Parameters<Parameters<Db['transaction']>[0]>[0], newsletter: Newsletter) => Promise<ActionOutcome>,
): Promise<ActionOutcome> {
  return db.transaction(async (tx) => {
    if (!(await findNewsletter(tx, id))) return { ok: false as const, problem: 'notFound' as const };
    const [locked] = await tx
      .select()
      .from(newsletters)
      .where(and(eq(newsletters.id, id), inArray(newsletters.status, allowed)))
      .for('update');
    if (!locked) return { ok: false as const, problem: 'wrongStatus' as const };
    return change(tx, locked);
  });
}

/**
 * Schedules the send of a draft (or moves a scheduled or held one) to a time in Japan, checked to be in
 * the future; `isPublic` is the public archive choice applied when it goes out.
 */
export async function scheduleNewsletter(db: Db, id: string, at: Date, isPublic: boolean, by: StaffContext): Promise<ActionOutcome> {
  return onLocked(db, id, EDITABLE, async (tx, before) => {
    const newsletter = await setSchedule(tx, id, at, isPublic);
    await recordAudit(tx, {
      staffId: by.staffId,
      action: 'newsletter.schedule',
      targetType: 'newsletter',
      targetId: id,
      detail: { at: at.toISOString(), before: before.scheduledAt?.toISOString() ?? null, isPublic },
      ip: by.ip,
    });
    return { ok: true, newsletter };
  });
}

/** Cancels a scheduled (or held) send: the issue goes back to draft. */
export async function cancelSchedule(db: Db, id: string, by: StaffContext): Promise<ActionOutcome> {
  return onLocked(db, id, ['scheduled', 'held'], async (tx, before) => {
    const newsletter = await clearSchedule(tx, id);
    await recordAudit(tx, {
      staffId: by.staffId,
      action: 'newsletter.schedule_cancel',
      targetType: 'newsletter',
      targetId: id,
      detail: { at: before.scheduledAt?.toISOString() ?? null },
      ip: by.ip,
    });
    return { ok: true, newsletter };
  });
}

/**
 * Starts sending now to the audience as it is at this moment (deliveries are written before any mail
 * leaves); `isPublic` is the choice to show the issue in the public archive.
 */
export async function sendNow(db: Db, id: string, by: StaffContext, opts: { expectedCount?: number; isPublic: boolean }): Promise<ActionOutcome> {
  const expectedCount = opts.expectedCount;
  return onLocked(db, id, EDITABLE, async (tx, before) => {
    const { count } = await previewAudience(tx, before.audience, 0);
    if (count === 0) return { ok: false, problem: 'noRecipients' };
    const started = await startSending(tx, id, by.staffId, { isPublic: opts.isPublic });
    if (!started.started) return { ok: false, problem: 'wrongStatus' };
    await recordAudit(tx, {
      staffId: by.staffId,
      action: 'newsletter.send',
      targetType: 'newsletter',
      targetId: id,
      detail: {
        audience: before.audience,
        recipients: started.recipients,
        shownCount: expectedCount ?? null,
        wasScheduled: before.status === 'scheduled',
        isPublic: opts.isPublic,
      },
      ip: by.ip,
    });
    return { ok: true };
  });
}

/** Pauses a running send: mail in flight finishes, nothing more is claimed. */
export async function pauseNewsletter(db: Db, id: string, by: StaffContext): Promise<ActionOutcome> {
  return onLocked(db, id, ['sending'], async (tx) => {
    if (!(await pauseSending(tx, id))) return { ok: false, problem: 'wrongStatus' };
    await recordAudit(tx, { staffId: by.staffId, action: 'newsletter.pause', targetType: 'newsletter', targetId: id, ip: by.ip });
    return { ok: true };
  });
}

/** Resumes a paused send where it stopped. */
export async function resumeNewsletter(db: Db, id: string, by: StaffContext): Promise<ActionOutcome> {
  return onLocked(db, id, ['paused'], async (tx) => {
    if (!(await resumeSending(tx, id))) return { ok: false, problem: 'wrongStatus' };
    await recordAudit(tx, { staffId: by.staffId, action: 'newsletter.resume', targetType: 'newsletter', targetId: id, ip: by.ip });
    return { ok: true };
  });
}

/** Queues the failed deliveries of an issue again (only those: nobody who received it gets it twice). */
export async function resendFailedDeliveries(db: Db, id: string, by: StaffContext): Promise<ActionOutcome> {
  return onLocked(db, id, ['sending', 'paused', 'sent'], async (tx) => {
    const requeued = await resendFailed(tx, id);
    if (requeued === 0) return { ok: false, problem: 'nothingToResend' };
    await recordAudit(tx, { staffId: by.staffId, action: 'newsletter.resend_failed', targetType: 'newsletter', targetId: id, detail: { requeued }, ip: by.ip });
    return { ok: true };
  });
}

/** Shows or hides a sent issue in the public archive. */
export async function setArchiveVisibility(db: Db, id: string, hidden: boolean, by: StaffContext): Promise<ActionOutcome> {
  return onLocked(db, id, ['sent'], async (tx) => {
    const newsletter = await setHiddenFromArchive(tx, id, hidden);
    await recordAudit(tx, { staffId: by.staffId, action: hidden ? 'newsletter.archive_hide' : 'newsletter.archive_show', targetType: 'newsletter', targetId: id, ip: by.ip });
    return { ok: true, newsletter };
  });
}

// The test message's unsubscribe link points at no supporter: following it changes nobody's consent.
const NOBODY = '00000000-0000-0000-0000-000000000000';

/** The render dependencies of the issue emails. */
function renderDeps(ctx: Pick<AppContext, 'renderEmail' | 'config' | 'sessionSecret'>): NewsletterRenderDeps {
  return { renderEmail: ctx.renderEmail, publicUrl: ctx.config.publicUrl, secret: ctx.sessionSecret };
}

/** The languages a test send covers: each distinct version once (no English version → Japanese only). */
function testLocales(newsletter: Pick<Newsletter, 'subjectJa' | 'subjectEn' | 'bodyJa' | 'bodyEn'>, choice: TestLanguage): Locale[] {
  const wanted: Locale[] = choice === 'both' ? ['ja', 'en'] : [choice];
  return [...new Set(wanted.map((l) => contentFor(newsletter, l).locale))];
}

/**
 * Sends the issue to the signed-in staff member's own address, marked [テスト送信] in the subject, in
 * the chosen languages. It goes straight to SMTP (one message to one person, who waits for it) and is
 * audited; no delivery row is written, so the real send is unaffected.
 */
export async function sendTest(
  ctx: Pick<AppContext, 'db' | 'mailer' | 'renderEmail' | 'config' | 'sessionSecret' | 'settings'>,
  newsletter: Newsletter,
  choice: TestLanguage,
  to: string,
  by: StaffContext,
): Promise<Locale[]> {
  const settings = await ctx.settings.get();
  const deps = renderDeps(ctx);
  const locales = testLocales(newsletter, choice);
  for (const locale of locales) {
    const issue = renderIssue(deps, newsletter, locale, settings, { test: true });
    await ctx.mailer.send(messageFor(deps, issue, { supporterId: NOBODY, email: to }));
  }
  await recordAudit(ctx.db, { staffId: by.staffId, action: 'newsletter.test_send', targetType: 'newsletter', targetId: newsletter.id, detail: { to, locales }, ip: by.ip });
  return locales;
}

/** The issue (or the draft being typed) as a reader's mail client shows it, with an inert unsubscribe link. */
export async function previewHtml(
  ctx: Pick<AppContext, 'renderEmail' | 'config' | 'sessionSecret' | 'settings'>,
  content: Pick<Newsletter, 'subjectJa' | 'subjectEn' | 'bodyJa' | 'bodyEn'>,
  locale: Locale,
): Promise<{ html: string; subject: string; locale: Locale }> {
  const settings = await ctx.settings.get();
  const deps = renderDeps(ctx);
  const issue = renderIssue(deps, content, locale, settings);
  const message = messageFor(deps, issue, { supporterId: NOBODY, email: 'preview@welgee.invalid' });
  return { html: message.html, subject: issue.subject, locale: issue.locale };
}

/** Each link of a sent issue with its unique clickers and total clicks. */
export async function loadLinkClicks(db: Db, id: string): Promise<LinkClicks[]> {
  return listLinkClicks(db, id);
}

/** How far a send has come: deliveries in each status. */
export async function loadProgress(db: Db, id: string): Promise<DeliveryProgress> {
  return deliveryProgress(db, id);
}

/** One page of an issue's recipients, optionally of one status. */
export async function loadDeliveries(
  db: Db,
  id: string,
  query: { status?: DeliveryListItem['status']; page: number },
): Promise<{ rows: DeliveryListItem[]; page: number; pages: number; total: number }> {
  const list = await listDeliveries(db, id, query);
  // A page past the end (a filter changed under an old link) shows the last page instead of nothing.
  if (list.rows.length === 0 && list.page > list.pageCount) return loadDeliveries(db, id, { ...query, page: list.pageCount });
  return { rows: list.rows, page: list.page, pages: list.pageCount, total: list.total };
}
