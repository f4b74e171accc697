import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import { t, type Locale, tDynamic, type MessagePrefix } from '../../lib/i18n';
import { route, type AdminRoute } from '../../web/route-table';
import { todayInTokyo } from '../giving';
import { writeAddressLabels } from './address-labels';
import { ExportAborted, shapeOf, writeChunk } from './donations-export';
import { ExportEncoder, encodings, type Encoding } from './encoding';
import { formErrors } from '../../web/form-errors';
import {
  exportFormFields,
  exportMethods,
  exportPlans,
  formats,
  giftStatuses,
  donationsExportQuery,
  queryErrors,
  supporterKinds,
  type DonationsExportQuery,
} from './exports.schemas';
import { exportDonations, recordedExport } from './exports.service';
import { findExportRun, listRecentExportRuns } from './exports.repo';
import { ledgerPages, ledgerTotals } from './ledger-rows';
import { monthlySummary } from './monthly-summary';
import { summaryCsvLines, summaryView } from './monthly-summary.view';

const PREVIEW_ROWS = 10;

const options = (locale: Locale, prefix: MessagePrefix, values: readonly string[], selected: unknown) =>
  values.map((value) => ({ value, label: tDynamic(locale, prefix, value), selected: value === selected }));

/** The query as strings (only the fields the form knows), to fill the form and build the download link. */
function formValues(query: Request['query']): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of ['from', 'to', 'format', 'encoding', 'method', 'status', 'plan', 'kind']) {
    const v = query[key];
    if (typeof v === 'string') values[key] = v.slice(0, 40);
  }
  return values;
}

function firstOfMonth(day: string): string {
  return `${day.slice(0, 8)}01`;
}

function csvHeaders(res: Response, name: string, encoding: Encoding, runId: string) {
  res.setHeader('Content-Type', `text/csv; charset=${encoding === 'cp932' ? 'Shift_JIS' : 'utf-8'}`);
  res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Export-Run', runId);
}

const encodingOf = (value: unknown): Encoding | undefined => ((encodings as readonly unknown[]).includes(value ?? 'utf8') ? ((value ?? 'utf8') as Encoding) : undefined);

/** /admin/exports: donation CSVs for the accounting software, monthly summary, address labels. */
export function exportRoutes(ctx: AppContext): AdminRoute[] {
  const deps = { db: ctx.db, settings: ctx.settings };

  async function renderPage(req: Request, res: Response, status = 200, errors: Record<string, string> = {}) {
    const locale = req.locale;
    const today = todayInTokyo();
    const values: Record<string, string> = { from: firstOfMonth(today), to: today, format: 'standard', encoding: 'utf8', ...formValues(req.query) };
    let preview: unknown;
    const asked = req.query.from !== undefined || req.query.to !== undefined;
    if (asked && Object.keys(errors).length === 0) {
      const parsed = donationsExportQuery.safeParse(req.query);
      if (!parsed.success) return renderPage(req, res, 422, queryErrors(parsed.error));
      preview = await previewOf(parsed.data, locale);
    }
    res.status(status).render('admin/exports/index', {
      layout: 'admin',
      title: t(locale, 'exports.title'),
      values,
      ...formErrors(locale, errors, exportFormFields),
      formats: options(locale, 'exports.format.', formats, values.format),
      encodings: options(locale, 'exports.encoding.', encodings, values.encoding),
      methods: options(locale, 'giving.gifts.method.', exportMethods, values.method),
      statuses: options(locale, 'exports.status.', giftStatuses, values.status),
      plans: exportPlans.map((p) => ({
        value: p,
        label: p === 'one_time' ? t(locale, 'exports.plan.one_time') : t(locale, 'exports.plan.monthly', { amount: Number(p).toLocaleString('ja-JP') }),
        selected: p === values.plan,
      })),
      kinds: options(locale, 'exports.kind.', supporterKinds, values.kind),
      preview,
      runs: (await listRecentExportRuns(ctx.db, 10)).map((r) => ({
        ...r,
        kindLabel: t(locale, `exports.kindOfRun.${r.kind}`),
        statusLabel: t(locale, `exports.runStatus.${r.status}`),
        who: r.staffName ?? t(locale, 'exports.commandLine'),
        params: r.params as Record<string, string>,
      })),
      summaryYear: today.slice(0, 4),
    });
  }

  async function previewOf(query: DonationsExportQuery, locale: Locale) {
    const settings = await ctx.settings.get();
    const shape = shapeOf(query.format, settings.accounting, locale);
    const lines: string[][] = [];
    for await (const page of ledgerPages(ctx.db, query, PREVIEW_ROWS, PREVIEW_ROWS)) {
      for (const row of page) for (const cells of shape.lines(row)) lines.push(cells.map((c) => (c === null || c === undefined ? '' : String(c))));
    }
    const totals = await ledgerTotals(ctx.db, query);
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined) as [string, string][]);
    params.set('run', randomUUID());
    return {
      header: shape.header,
      lines: lines.slice(0, PREVIEW_ROWS),
      totals,
      empty: totals.rows === 0,
      downloadUrl: `/admin/exports/donations.csv?${params.toString()}`,
    };
  }

  return [
    route('get', '/admin/exports', 'exports:create', (req, res) => renderPage(req, res)),

    route('get', '/admin/exports/donations.csv', 'exports:create', async (req, res) => {
      const parsed = donationsExportQuery.safeParse(req.query);
      if (!parsed.success) return renderPage(req, res, 400, queryErrors(parsed.error));
      const q = parsed.data;
      const runId = typeof req.query.run === 'string' && /^[0-9a-f-]{36}$/i.test(req.query.run) ? req.query.run : undefined;
      const name = `welgee-donations-${q.format}-${q.from}_${q.to}${q.encoding === 'cp932' ? '-sjis' : ''}.csv`;
      const id = runId ?? randomUUID();
      csvHeaders(res, name, q.encoding, id);
      await streamed(res, () => exportDonations(deps, q, req.locale, { staffId: req.staff!.id, source: 'console', ip: req.ip, runId: id }, res));
    }),

    route('get', '/admin/exports/runs/:id', 'exports:create', async (req, res) => {
      const run = await findExportRun(ctx.db, String(req.params.id));
      if (!run) return res.status(404).json({ error: 'not found' });
      res.setHeader('Cache-Control', 'no-store');
      res.json({ id: run.id, status: run.status, rowCount: run.rowCount, replacements: run.replacements, finishedAt: run.finishedAt });
    }),

    route('get', '/admin/exports/summary', 'exports:create', async (req, res) => {
      const year = yearOf(req.query.year);
      if (year === undefined) return res.status(400).render('errors/error', { layout: 'admin', status: 400, title: t(req.locale, 'exports.errors.year'), message: '' });
      res.render('admin/exports/summary', { layout: 'admin', title: t(req.locale, 'exports.summary.title'), ...summaryView(await monthlySummary(ctx.db, year), year, req.locale) });
    }),

    route('get', '/admin/exports/summary.csv', 'exports:create', async (req, res) => {
      const year = yearOf(req.query.year);
      const encoding = encodingOf(req.query.encoding);
      if (year === undefined || !encoding)
        return res
          .status(400)
          .render('errors/error', { layout: 'admin', status: 400, title: t(req.locale, year === undefined ? 'exports.errors.year' : 'exports.errors.encoding'), message: '' });
      const id = randomUUID();
      csvHeaders(res, `welgee-monthly-summary-${year}${encoding === 'cp932' ? '-sjis' : ''}.csv`, encoding, id);
      await streamed(res, () =>
        recordedExport(ctx.db, 'monthly_summary', { year, encoding }, { staffId: req.staff!.id, source: 'console', ip: req.ip, runId: id }, async () => {
          const encoder = new ExportEncoder(encoding);
          const lines = summaryCsvLines(await monthlySummary(ctx.db, year), req.locale);
          await writeChunk(res, Buffer.concat([encoder.preamble(), encoder.encode(lines.map((l) => encoder.line(l, () => 'summary')).join('\r\n') + '\r\n')]));
          return { rows: lines.length - 1, replacements: encoder.report() };
        }),
      );
    }),

    route('get', '/admin/exports/labels.csv', 'exports:create', async (req, res) => {
      const encoding = encodingOf(req.query.encoding);
      if (!encoding) return res.status(400).render('errors/error', { layout: 'admin', status: 400, title: t(req.locale, 'exports.errors.encoding'), message: '' });
      const id = randomUUID();
      csvHeaders(res, `welgee-address-labels${encoding === 'cp932' ? '-sjis' : ''}.csv`, encoding, id);
      await streamed(res, () =>
        recordedExport(ctx.db, 'address_labels', { encoding }, { staffId: req.staff!.id, source: 'console', ip: req.ip, runId: id }, () =>
          writeAddressLabels(ctx.db, encoding, res),
        ),
      );
    }),
  ];
}

/**
 * Runs a download whose headers are already set: ends the response when it is complete. A file cut
 * short by an error must not look complete, so then the connection is dropped instead of ended.
 */
async function streamed(res: Response, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
    res.end();
  } catch (err) {
    if (err instanceof ExportAborted) return;
    if (!res.headersSent) throw err;
    res.destroy(err as Error);
  }
}

function yearOf(value: unknown): number | undefined {
  const text = value === undefined ? todayInTokyo().slice(0, 4) : value;
  if (typeof text !== 'string' || !/^\d{4}$/.test(text)) return undefined;
  const year = Number(text);
  return year >= 2000 && year <= Number(todayInTokyo().slice(0, 4)) + 1 ? year : undefined;
}
