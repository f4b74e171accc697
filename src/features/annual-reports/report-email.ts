import type { Settings } from '../../../config/organisation';
import type { Db, Tx } from '../../db/client';
import type { ImpactFigure } from '../../db/schema';
import type { Locale } from '../../lib/i18n';
import type { OutgoingMessage } from '../../lib/mailer';
import type { EmailRenderer, RenderedEmail } from '../../lib/render-email';
import { markdownToText, renderMarkdown, type ComposerFactory } from '../newsletters';
import { displayName, findSupporterById, type Supporter } from '../supporters';
import { renderAnnualReceipt } from './annual-receipt-pdf';
import { receiptFor, type AnnualReceipt } from './annual-receipts.repo';
import { findReport, type AnnualReport } from './annual-reports.repo';
import { givingInYear, type YearGiving } from './year-giving';

export interface ReportEmailDeps {
  db: Db;
  renderEmail: EmailRenderer;
  publicUrl: string;
}

/** The figures in one language (English labels fall back to Japanese). */
function figuresIn(figures: ImpactFigure[], locale: Locale) {
  return figures.map((f) => ({ label: locale === 'en' && f.labelEn.trim() !== '' ? f.labelEn : f.labelJa, value: f.value }));
}

/** The report's email for one supporter: their year next to the organisation's, in their language. */
export async function renderReportEmail(
  deps: ReportEmailDeps,
  tx: Tx,
  report: Pick<AnnualReport, 'year' | 'figures' | 'narrativeJa' | 'narrativeEn'>,
  supporter: Supporter,
  receiptNumber: string,
  settings: Settings,
  locale: Locale,
  known?: YearGiving,
): Promise<RenderedEmail> {
  const giving = known ?? (await givingInYear(tx, supporter.id, report.year));
  const narrative = locale === 'en' && report.narrativeEn.trim() !== '' ? report.narrativeEn : report.narrativeJa;
  return deps.renderEmail('annual-report', locale, {
    year: String(report.year),
    name: displayName(supporter, locale),
    total: giving.total,
    giftCount: giving.giftCount,
    monthlyMonths: giving.monthlyMonths,
    figures: figuresIn(report.figures, locale),
    narrativeHtml: renderMarkdown(narrative),
    narrativeText: markdownToText(narrative),
    receiptNumber,
    taxNote: settings.receipt.taxNote,
    organisation: settings.organisation,
    meUrl: `${deps.publicUrl.replace(/\/$/, '')}/me`,
  });
}

/** The whole message: the email and the combined receipt attached, both from one reading of the year. */
export async function reportMessage(
  deps: ReportEmailDeps,
  report: AnnualReport,
  supporter: Supporter,
  receipt: AnnualReceipt,
  giving: YearGiving,
  settings: Settings,
  locale: Locale,
  to: string,
): Promise<OutgoingMessage> {
  const [email, pdf] = await Promise.all([
    renderReportEmail(deps, deps.db, report, supporter, receipt.number, settings, locale, giving),
    renderAnnualReceipt(deps.db, settings, supporter, receipt, locale, giving),
  ]);
  return { to, ...email, attachments: [{ filename: `combined-receipt-${receipt.number}.pdf`, content: pdf, contentType: 'application/pdf' }] };
}

/**
 * Messages of an annual report's send, for the delivery pipeline. Each recipient's receipt is issued
 * the first time their row is composed and found again on a retry or after a crash, so a supporter
 * never gets two numbers for one year from one send.
 */
export function annualReportComposer(deps: ReportEmailDeps): ComposerFactory {
  return (newsletter, settings) => {
    if (newsletter.audience.segment !== 'gave_in_year') throw new Error(`send ${newsletter.id} is not an annual report's`);
    const year = newsletter.audience.year;
    let report: Promise<AnnualReport | undefined> | undefined;
    return {
      async compose(row) {
        report ??= findReport(deps.db, year);
        const found = await report;
        if (!found) throw new Error(`no annual report for ${year}`);
        const supporter = await findSupporterById(deps.db, row.supporterId);
        if (!supporter) throw new Error(`supporter ${row.supporterId} not found`);
        const giving = await givingInYear(deps.db, supporter.id, year);
        const receipt = await receiptFor(deps.db, supporter.id, year, giving);
        return reportMessage(deps, found, supporter, receipt, giving, settings, row.locale, row.email);
      },
    };
  };
}
