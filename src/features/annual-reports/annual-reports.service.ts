import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { newsletters, staff, type Audience, type ImpactFigure } from '../../db/schema';
import { queueEmail } from '../emails';
import { roleCan, roles } from '../staff';
import { recordAudit } from '../audit';
import { previewAudience, startSending } from '../newsletters';
import { tokyoYear } from '../../lib/dates';
import { t } from '../../lib/i18n';
import { findReport, insertDraft, listReports, lockReport, setReportSend, updateReportContent, type AnnualReport } from './annual-reports.repo';
import { reissueReceipt } from './annual-receipts.repo';
import type { ReportContent } from './annual-reports.schemas';
import { now as clockNow } from '../../lib/clock';

/**
 * The organisation's figures from its own pages (as of 2023-09-15), for a first draft; later drafts
 * start from the previous year's figures.
 */
export const SEED_FIGURES: ImpactFigure[] = [
  { labelJa: '繋がってきた難民の数', labelEn: 'Refugees we have met', value: 450 },
  { labelJa: '専門性を活かした仕事への就職人数', labelEn: 'People hired into work that uses their skills', value: 37 },
  { labelJa: '在留資格変更人数', labelEn: 'Changes of residence status', value: 13 },
];

export const SEED_NARRATIVE = {
  ja: 'WELgeeは、難民としての背景をもつ人々が、日本で自分の経験や専門性を活かして働き、生きていけるよう、一人ひとりに伴走しています。\n\nこの1年も、企業との出会いの場づくり、就労に向けた伴走、在留資格の変更に向けた支援を続けてきました。',
  en: 'WELgee walks alongside people with refugee backgrounds so that they can work and live in Japan using their experience and skills.\n\nThis year again we created places where they meet companies, supported them on the way into work, and helped with changes of residence status.',
};

class NoRecipients extends Error {}

export const reportAudience = (year: number): Audience => ({ segment: 'gave_in_year', year });

/** The year's draft, written now unless it exists: the previous year's figures, or the seed figures. */
export async function prepareDraft(db: Db, year: number, staffId: string | null): Promise<{ report: AnnualReport; created: boolean }> {
  const previous = await findReport(db, year - 1);
  return db.transaction(async (tx) => {
    const result = await insertDraft(tx, {
      year,
      figures: previous?.figures.length ? previous.figures : SEED_FIGURES,
      narrativeJa: SEED_NARRATIVE.ja,
      narrativeEn: SEED_NARRATIVE.en,
      preparedBy: staffId,
    });
    if (result.created) await recordAudit(tx, { staffId, action: 'annual_report.prepare', targetType: 'annual_report', targetId: result.report.id });
    return result;
  });
}

export type ReportProblem = 'notFound' | 'alreadyStarted' | 'yearNotOver' | 'noRecipients';

/** Saves the figures and narrative while the report has not been sent. */
export async function saveContent(db: Db, year: number, content: ReportContent, staffId: string): Promise<ReportProblem | undefined> {
  return db.transaction(async (tx) => {
    const report = await lockReport(tx, year);
    if (!report) return 'notFound';
    if (report.newsletterId) return 'alreadyStarted';
    await updateReportContent(tx, year, content);
    await recordAudit(tx, { staffId, action: 'annual_report.save', targetType: 'annual_report', targetId: report.id, detail: { figures: content.figures.length } });
    return undefined;
  });
}

/** Who the report goes to now: everyone with a gift in the year whose address works. */
export function reportRecipients(db: Db, year: number, sample = 10) {
  return previewAudience(db, reportAudience(year), sample);
}

/**
 * Starts the send of the year's report: one delivery row per giver, written before any mail leaves,
 * then the send job. Starting again finds the send already there and starts nothing.
 */
type StartOutcome = { ok: true; newsletterId: string; recipients: number } | { ok: false; problem: ReportProblem };

export async function startReportSend(db: Db, year: number, staffId: string, now = clockNow()): Promise<StartOutcome> {
  if (year >= tokyoYear(now)) return { ok: false, problem: 'yearNotOver' };
  return db
    .transaction(async (tx): Promise<StartOutcome> => {
      const report = await lockReport(tx, year);
      if (!report) return { ok: false, problem: 'notFound' as const };
      if (report.newsletterId) return { ok: false, problem: 'alreadyStarted' as const };
      const [send] = await tx
        .insert(newsletters)
        .values({
          kind: 'annual_report',
          subjectJa: t('ja', 'email.annual-report.subject', { year }),
          subjectEn: t('en', 'email.annual-report.subject', { year }),
          audience: reportAudience(year),
          hiddenFromArchive: true,
          createdBy: staffId,
        })
        .returning({ id: newsletters.id });
      const { recipients } = await startSending(tx, send!.id, staffId);
      // Nobody gave that year: nothing is written, not even the empty send.
      if (recipients === 0) throw new NoRecipients();
      await setReportSend(tx, year, send!.id);
      await recordAudit(tx, { staffId, action: 'annual_report.send', targetType: 'annual_report', targetId: report.id, detail: { recipients, newsletterId: send!.id } });
      return { ok: true as const, newsletterId: send!.id, recipients };
    })
    .catch((err: unknown) => {
      if (err instanceof NoRecipients) return { ok: false as const, problem: 'noRecipients' as const };
      throw err;
    });
}

/** Voids a supporter's combined receipt of the year and issues a new number. */
export async function reissue(db: Db, supporterId: string, year: number, staffId: string) {
  return db.transaction(async (tx) => {
    const result = await reissueReceipt(tx, supporterId, year);
    await recordAudit(tx, {
      staffId,
      action: 'annual_receipt.reissue',
      targetType: 'supporter',
      targetId: supporterId,
      detail: { year, number: result.receipt.number, voided: result.voided?.number ?? null },
    });
    return result;
  });
}

export { listReports, findReport };

const reportRoles = roles.filter((role) => roleCan(role, 'reports:send'));

/**
 * The January schedule's part: the year's draft (kept if staff made it already) and one email to each
 * active staff member who may send reports, asking them to review it. Sends nothing to supporters.
 */
export async function prepareDraftAndTellStaff(db: Db, year: number): Promise<{ created: boolean; told: number }> {
  const { created } = await prepareDraft(db, year, null);
  const people = await db
    .select({ id: staff.id, email: staff.email, name: staff.name })
    .from(staff)
    .where(and(eq(staff.isActive, true), inArray(staff.role, reportRoles)));
  const told = await db.transaction(async (tx) => {
    let queued = 0;
    for (const person of people) {
      const id = await queueEmail(tx, {
        template: 'annual-report-draft',
        to: person.email,
        locale: 'ja',
        params: { name: person.name, year: String(year) },
        dedupeKey: `annual-report-draft:${year}:${person.id}`,
      });
      if (id !== undefined) queued += 1;
    }
    return queued;
  });
  return { created, told };
}
