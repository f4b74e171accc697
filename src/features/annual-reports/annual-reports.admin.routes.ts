import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import { tokyoYear } from '../../lib/dates';
import { t, type MessageKey } from '../../lib/i18n';
import { formErrors, type FormFields } from '../../web/form-errors';
import { emailKey } from '../../lib/email-address';
import { route, type AdminRoute } from '../../web/route-table';
import { sendEmailPreview } from '../newsletters';
import { addressSettingsHref, hasPostalAddress } from '../settings';
import { findSupporterByEmail, findSupporterById, type Supporter } from '../supporters';
import { renderAnnualReceipt } from './annual-receipt-pdf';
import { findValidReceipt } from './annual-receipts.repo';
import type { AnnualReport } from './annual-reports.repo';
import { MAX_FIGURES, MAX_LABEL, MAX_NARRATIVE, parseReportForm, parseYear, type FigureRowValues } from './annual-reports.schemas';
import { findReport, listReports, prepareDraft, reissue, reportRecipients, saveContent, startReportSend, type ReportProblem } from './annual-reports.service';
import { renderReportEmail } from './report-email';
import { now } from '../../lib/clock';

const P = 'reports:send' as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROBLEM_STATUS: Record<ReportProblem, number> = { notFound: 404, alreadyStarted: 409, yearNotOver: 409, noRecipients: 409 };
const notices = ['prepared', 'saved', 'reissued'] as const;

/** The report page's fields in page order: each figure row (ja label, en label, value), the narratives, the reissue box. */
const reportFields: FormFields = [
  ['figures', 'annual.field.figures'],
  ...Array.from({ length: MAX_FIGURES + 2 }, (_, i) => i + 1).flatMap(
    (n) =>
      [
        [`labelJa-${n}`, 'annual.field.labelJaN', { n }],
        [`labelEn-${n}`, 'annual.field.labelEnN', { n }],
        [`value-${n}`, 'annual.field.valueN', { n }],
      ] as const,
  ),
  ['narrativeJa', 'annual.field.narrativeJa'],
  ['narrativeEn', 'annual.field.narrativeEn'],
  ['supporter', 'annual.field.supporter'],
  ['confirm', 'annual.confirm.title'],
];

/** Message keys → messages naming their fields, in page order; a page-wide problem comes first. */
const translate = (req: Request, errors: Record<string, string>, problem?: string) =>
  formErrors(req.locale, problem ? { form: problem, ...errors } : errors, reportFields, (field) => ({
    max: field.startsWith('narrative') ? MAX_NARRATIVE.toLocaleString('ja-JP') : MAX_LABEL,
    figures: MAX_FIGURES,
  }));

/** Form rows for the figures: the report's, then two blank ones for new figures (at most MAX_FIGURES in all). */
function figureRows(rows: FigureRowValues[]) {
  const filled = rows.slice(0, MAX_FIGURES);
  const size = Math.min(MAX_FIGURES, filled.length + 2);
  while (filled.length < size) filled.push({ labelJa: '', labelEn: '', value: '' });
  return filled.map((r, i) => ({ ...r, n: i + 1 }));
}
const rowsOf = (report: AnnualReport): FigureRowValues[] => report.figures.map((f) => ({ labelJa: f.labelJa, labelEn: f.labelEn, value: String(f.value) }));

/** /admin/annual-reports: prepare a year's report, edit its figures and narrative, preview it per supporter, send it. */
export function annualReportAdminRoutes(ctx: AppContext): AdminRoute[] {
  const error = (req: Request, res: Response, status: number, key: MessageKey) =>
    res.status(status).render('errors/error', { layout: 'admin', status, title: t(req.locale, key), message: '' });

  /** The report of :year, or the page that says why there is none (404 bad or unknown year, 422 future). */
  async function reportOr404(req: Request, res: Response): Promise<AnnualReport | undefined> {
    const parsed = parseYear(req.params.year, now());
    if (!parsed.ok) {
      error(req, res, parsed.problem === 'futureYear' ? 422 : 404, `annual.errors.${parsed.problem}`);
      return undefined;
    }
    const report = await findReport(ctx.db, parsed.year);
    if (!report) error(req, res, 404, 'annual.notFound');
    return report;
  }

  /** A supporter typed by staff as an id or an email address. */
  async function supporterNamed(value: unknown): Promise<Supporter | undefined> {
    const raw = typeof value === 'string' ? value.trim().slice(0, 254) : '';
    if (UUID.test(raw)) return findSupporterById(ctx.db, raw.toLowerCase());
    if (raw.includes('@')) return findSupporterByEmail(ctx.db, emailKey(raw));
    return undefined;
  }

  /** The supporter named by ?supporter=, else the first recipient of the year. */
  async function previewSupporter(req: Request, year: number): Promise<Supporter | undefined> {
    if (typeof req.query.supporter === 'string' && req.query.supporter.trim() !== '') return supporterNamed(req.query.supporter);
    const { sample } = await reportRecipients(ctx.db, year, 1);
    return sample[0] ? findSupporterById(ctx.db, sample[0].id) : undefined;
  }

  const yearIsOver = (report: AnnualReport) => report.year < tokyoYear(now());

  /** The confirmation before sending, with the recipient count (and the unticked box named, when it was). */
  async function renderConfirm(req: Request, res: Response, report: AnnualReport, status = 200, errors: Record<string, string> = {}) {
    const recipients = await reportRecipients(ctx.db, report.year, 10);
    res.status(status).render('admin/annual-reports/confirm', {
      layout: 'admin',
      title: t(req.locale, 'annual.confirm.title', { year: report.year }),
      report,
      recipients,
      yearIsOver: yearIsOver(report),
      sendBlocked: hasPostalAddress(await ctx.settings.get()) ? undefined : { href: addressSettingsHref },
      ...translate(req, errors),
    });
  }

  async function renderReport(
    req: Request,
    res: Response,
    report: AnnualReport,
    status = 200,
    extra: { errors?: Record<string, string>; rows?: FigureRowValues[]; narrativeJa?: string; narrativeEn?: string; problem?: ReportProblem } = {},
  ) {
    const recipients = await reportRecipients(ctx.db, report.year, 10);
    const notice = notices.find((n) => req.query[n] !== undefined);
    res.status(status).render('admin/annual-reports/show', {
      layout: 'admin',
      title: t(req.locale, 'annual.title', { year: report.year }),
      report,
      rows: figureRows(extra.rows ?? rowsOf(report)),
      narrativeJa: extra.narrativeJa ?? report.narrativeJa,
      narrativeEn: extra.narrativeEn ?? report.narrativeEn,
      recipients,
      isEditable: !report.newsletterId,
      yearIsOver: yearIsOver(report),
      maxLabel: MAX_LABEL,
      maxFigures: MAX_FIGURES,
      maxNarrative: MAX_NARRATIVE,
      notice: notice ? t(req.locale, `annual.notice.${notice}`, { number: String(req.query.number ?? '') }) : undefined,
      ...translate(req, extra.errors ?? {}, extra.problem ? t(req.locale, `annual.problem.${extra.problem}`) : undefined),
    });
  }

  return [
    route('get', '/admin/annual-reports', P, async (req, res) => {
      const reports = await listReports(ctx.db);
      const thisYear = tokyoYear(now());
      res.render('admin/annual-reports/list', {
        layout: 'admin',
        title: t(req.locale, 'annual.listTitle'),
        reports: reports.map((r) => ({ year: r.year, figures: r.figures.length, isSent: Boolean(r.newsletterId), newsletterId: r.newsletterId })),
        suggestedYear: thisYear - 1,
        maxYear: thisYear,
      });
    }),
    route(
      'post',
      '/admin/annual-reports',
      P,
      async (req, res) => {
        const parsed = parseYear(typeof req.body?.year === 'string' ? req.body.year.trim() : undefined, now());
        if (!parsed.ok) return error(req, res, 422, `annual.errors.${parsed.problem}`);
        const { created } = await prepareDraft(ctx.db, parsed.year, req.staff!.id);
        res.redirect(303, `/admin/annual-reports/${parsed.year}${created ? '?prepared=1' : ''}`);
      },
      303,
    ),
    route('get', '/admin/annual-reports/:year', P, async (req, res) => {
      const report = await reportOr404(req, res);
      if (report) await renderReport(req, res, report);
    }),
    route(
      'post',
      '/admin/annual-reports/:year',
      P,
      async (req, res) => {
        const report = await reportOr404(req, res);
        if (!report) return;
        const parsed = parseReportForm((req.body ?? {}) as Record<string, unknown>);
        if (!parsed.ok) return renderReport(req, res, report, 422, { errors: parsed.errors, rows: parsed.rows, narrativeJa: parsed.narrativeJa, narrativeEn: parsed.narrativeEn });
        const problem = await saveContent(ctx.db, report.year, parsed.value, req.staff!.id);
        if (problem) return renderReport(req, res, (await findReport(ctx.db, report.year)) ?? report, PROBLEM_STATUS[problem], { problem });
        res.redirect(303, `/admin/annual-reports/${report.year}?saved=1`);
      },
      303,
    ),
    route('get', '/admin/annual-reports/:year/preview', P, async (req, res) => {
      const report = await reportOr404(req, res);
      if (!report) return;
      const supporter = await previewSupporter(req, report.year);
      const query = supporter ? `?supporter=${supporter.id}` : '';
      res.status(supporter ? 200 : 404).render('admin/annual-reports/preview', {
        layout: 'admin',
        title: t(req.locale, 'annual.preview.title', { year: report.year }),
        report,
        supporter,
        asked: typeof req.query.supporter === 'string' ? req.query.supporter.slice(0, 254) : '',
        emailUrl: `/admin/annual-reports/${report.year}/preview/email${query}`,
        pdfUrl: `/admin/annual-reports/${report.year}/preview/receipt.pdf${query}`,
      });
    }),
    route('get', '/admin/annual-reports/:year/preview/email', P, async (req, res) => {
      const report = await reportOr404(req, res);
      if (!report) return;
      const supporter = await previewSupporter(req, report.year);
      if (!supporter) return error(req, res, 404, 'annual.preview.noSupporter');
      const settings = await ctx.settings.get();
      const receipt = await findValidReceipt(ctx.db, supporter.id, report.year);
      const email = await renderReportEmail(
        { db: ctx.db, renderEmail: ctx.renderEmail, publicUrl: ctx.config.publicUrl },
        ctx.db,
        report,
        supporter,
        receipt?.number ?? t(supporter.locale, 'annual.preview.sampleNumber'),
        settings,
        supporter.locale,
      );
      sendEmailPreview(res, email.html);
    }),
    // A preview never issues a number: the PDF says 見本 (sample) unless the supporter has their receipt already.
    route('get', '/admin/annual-reports/:year/preview/receipt.pdf', P, async (req, res) => {
      const report = await reportOr404(req, res);
      if (!report) return;
      const supporter = await previewSupporter(req, report.year);
      if (!supporter) return error(req, res, 404, 'annual.preview.noSupporter');
      const issued = await findValidReceipt(ctx.db, supporter.id, report.year);
      const receipt = issued ?? {
        id: '',
        supporterId: supporter.id,
        year: report.year,
        number: t(supporter.locale, 'annual.preview.sampleNumber'),
        status: 'valid' as const,
        total: 0,
        giftCount: 0,
        replacesId: null,
        issuedAt: now(),
        voidedAt: null,
      };
      const pdf = await renderAnnualReceipt(ctx.db, await ctx.settings.get(), supporter, receipt, supporter.locale);
      res
        .set('Cache-Control', 'private, no-store')
        .set('Content-Type', 'application/pdf')
        .set('Content-Disposition', `inline; filename="combined-receipt-${report.year}-preview.pdf"`)
        .send(pdf);
    }),
    route('get', '/admin/annual-reports/:year/send', P, async (req, res) => {
      const report = await reportOr404(req, res);
      if (!report) return;
      if (report.newsletterId) return res.redirect(302, `/admin/newsletters/${report.newsletterId}`);
      await renderConfirm(req, res, report);
    }),
    route(
      'post',
      '/admin/annual-reports/:year/send',
      P,
      async (req, res) => {
        const report = await reportOr404(req, res);
        if (!report) return;
        // No report email is queued while its footer would lack the sender's postal address.
        if (!hasPostalAddress(await ctx.settings.get())) return renderConfirm(req, res, report, 409);
        if ((req.body ?? {}).confirm !== 'on') return renderConfirm(req, res, report, 422, { confirm: 'annual.errors.confirm' });
        const outcome = await startReportSend(ctx.db, report.year, req.staff!.id);
        if (!outcome.ok) return renderReport(req, res, (await findReport(ctx.db, report.year)) ?? report, PROBLEM_STATUS[outcome.problem], { problem: outcome.problem });
        ctx.dispatcher.poke();
        res.redirect(303, `/admin/newsletters/${outcome.newsletterId}?started=1`);
      },
      303,
    ),
    route(
      'post',
      '/admin/annual-reports/:year/reissue',
      P,
      async (req, res) => {
        const report = await reportOr404(req, res);
        if (!report) return;
        const supporter = await supporterNamed(req.body?.supporter);
        if (!supporter || !(await findValidReceipt(ctx.db, supporter.id, report.year))) {
          return renderReport(req, res, report, 404, { errors: { supporter: 'annual.errors.noReceipt' } });
        }
        const { receipt } = await reissue(ctx.db, supporter.id, report.year, req.staff!.id);
        res.redirect(303, `/admin/annual-reports/${report.year}?reissued=1&number=${encodeURIComponent(receipt.number)}`);
      },
      303,
    ),
  ];
}
