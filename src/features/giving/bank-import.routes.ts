import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import type { AppContext } from '../../context';
import { t, type Locale } from '../../lib/i18n';
import { route, type AdminRoute } from '../../web/route-table';
import { MAX_STATEMENT_BYTES, MAX_STATEMENT_LINES, STATEMENT_COLUMNS, type LineProblem } from './bank-csv';
import { findImport, findImportLine, listImports } from './bank-import.repo';
import { chooseLineSupporter, confirmImport, loadReview, uploadStatement, type ReviewLine } from './bank-import.service';
import { todayInTokyo } from './gift-values';
import { echo, label, lineFormFields, supporterView, translateErrors } from './gift-views';
import { searchSupporters } from './offline-gifts.repo';
import { formProblem, noFormErrors, type ErrorLine, type FormErrorsView } from '../../web/form-errors';
import { parseLineChoices, parseSupporterChoice } from './offline-gifts.schemas';

// Each confirm posts one field per line; the body parser takes 200 fields, so a long statement is confirmed in parts.
const REVIEW_BATCH = 150;

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_STATEMENT_BYTES, files: 1, fields: 5, parts: 6, fieldSize: 1000 },
  defParamCharset: 'utf8',
}).single('file');

const count = (req: Request, name: string) => (typeof req.query[name] === 'string' && /^\d{1,6}$/.test(req.query[name] as string) ? Number(req.query[name]) : undefined);

function problemMessages(locale: Locale, problems: LineProblem[]): string[] {
  const shown = problems.slice(0, 100).map((p) => t(locale, 'giving.gifts.import.problemLine', { line: p.lineNo, problem: t(locale, `giving.gifts.import.problem.${p.problem}`) }));
  if (problems.length > 100) shown.push(t(locale, 'giving.gifts.import.moreProblems', { count: problems.length - 100 }));
  return shown;
}

function reviewLineView(locale: Locale, { line, suggestion, others, recordedFor }: ReviewLine, inBatch: boolean) {
  const name = (s: { name: string; email: string }) => `${s.name}(${s.email})`;
  const why = (reasons: string[]) => reasons.map((r) => label(locale, 'reason', r)).join(t(locale, 'giving.gifts.reason.separator'));
  const suggested = suggestion ? { ...supporterView(locale, suggestion.supporter), reason: why(suggestion.reasons) } : undefined;
  const options = [
    ...(suggested ? [{ value: `s:${suggested.id}`, label: t(locale, 'giving.gifts.review.recordFor', { name: name(suggested) }), selected: true }] : []),
    ...others.map((o) => ({
      value: `s:${o.supporter.id}`,
      label: t(locale, 'giving.gifts.review.recordForBecause', { name: name(supporterView(locale, o.supporter)), why: why(o.reasons) }),
      selected: false,
    })),
    { value: 'new', label: t(locale, 'giving.gifts.review.createNew'), selected: false },
    { value: 'skip', label: t(locale, 'giving.gifts.review.skip'), selected: false },
    { value: '', label: t(locale, 'giving.gifts.review.later'), selected: !suggested },
  ];
  return {
    id: line.id,
    lineNo: line.lineNo,
    receivedOn: line.receivedOn,
    receivedOnShort: line.receivedOn.replaceAll('-', '/'),
    amount: line.amount,
    payerName: line.payerName,
    status: line.status,
    statusLabel: label(locale, 'lineStatus', line.status),
    isPending: line.status === 'pending',
    inBatch,
    donationId: line.donationId,
    recordedFor: recordedFor ? supporterView(locale, recordedFor) : undefined,
    suggestion: suggested,
    otherCount: others.length,
    options,
  };
}

/** The review's problem after a confirm chose a supporter who is gone: it names the line and links to its choice. */
function badSupporterProblem(req: Request, lines: { id: number; lineNo: number; inBatch: boolean }[]): FormErrorsView {
  if (req.query.error !== 'supporter') return noFormErrors;
  const line = lines.find((l) => String(l.id) === req.query.line && l.inBatch);
  if (!line) return formProblem(t(req.locale, 'giving.gifts.review.badSupporter'));
  return formProblem(t(req.locale, 'giving.gifts.review.badSupporterLine', { line: line.lineNo }), `choice-${line.id}`);
}

/** Bank statement import: upload, review the matches, record. */
export function bankImportRoutes(ctx: AppContext): AdminRoute[] {
  async function renderIndex(req: Request, res: Response, status = 200, messages: { error?: string; problems?: string[] } = {}) {
    // The file is the form's one field: the summary links to it, then lists the statement's lines that cannot be read.
    const problemLines: ErrorLine[] = (messages.problems ?? []).map((message) => ({ field: 'form', message }));
    const summary: FormErrorsView = messages.error ? formProblem(messages.error, 'file') : noFormErrors;
    const imports = await listImports(ctx.db, 50);
    res.status(status).render('admin/imports/index', {
      layout: 'admin',
      title: t(req.locale, 'giving.gifts.import.title'),
      imports: imports.map((i) => ({ ...i, statusLabel: label(req.locale, 'importStatus', i.status) })),
      columns: {
        date: STATEMENT_COLUMNS.date.join('、'),
        amount: STATEMENT_COLUMNS.amount.join('、'),
        payer: STATEMENT_COLUMNS.payer.join('、'),
        withdrawal: STATEMENT_COLUMNS.withdrawal.join('、'),
      },
      maxSize: `${MAX_STATEMENT_BYTES / 1024 / 1024} MB`,
      maxLines: MAX_STATEMENT_LINES.toLocaleString('ja-JP'),
      ...summary,
      errorList: [...summary.errorList, ...problemLines],
      nothingStored: problemLines.length > 0,
    });
  }

  // The upload is parsed only after the permission check; its errors are the visitor's, never a 500.
  function receiveFile(req: Request, res: Response, next: NextFunction) {
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      const tooLarge = err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE';
      void renderIndex(req, res, tooLarge ? 413 : 400, {
        error: t(req.locale, tooLarge ? 'giving.gifts.import.tooLarge' : 'giving.gifts.import.badUpload', { size: `${MAX_STATEMENT_BYTES / 1024 / 1024} MB` }),
      }).catch(next);
    });
  }

  async function renderLine(req: Request, res: Response, status = 200, values: Record<string, string> = {}, errors: Record<string, string> = {}) {
    const imp = await findImport(ctx.db, String(req.params.id));
    const line = imp ? await findImportLine(ctx.db, imp.id, String(req.params.lineId)) : undefined;
    if (!imp || !line) return res.status(404).render('errors/error', { layout: 'admin', status: 404, title: t(req.locale, 'giving.gifts.review.notFound'), message: '' });
    const q = values.q ?? '';
    const [family = '', ...given] = line.payerName.split(' ');
    res.status(status).render('admin/imports/line', {
      layout: 'admin',
      title: t(req.locale, 'giving.gifts.line.title'),
      imp,
      line,
      q,
      searched: Boolean(q),
      supporters: q ? (await searchSupporters(ctx.db, q)).map((s) => supporterView(req.locale, s)) : [],
      values: { new_family_name: family, new_given_name: given.join(' '), new_family_name_kana: family, new_given_name_kana: given.join(' '), ...values },
      ...translateErrors(req.locale, errors, lineFormFields),
    });
  }

  return [
    route('get', '/admin/imports', 'gifts:import', (req, res) => renderIndex(req, res)),
    route(
      'post',
      '/admin/imports',
      'gifts:import',
      [
        receiveFile,
        async (req: Request, res: Response) => {
          const file = req.file;
          if (!file || file.size === 0) return renderIndex(req, res, 422, { error: t(req.locale, 'giving.gifts.import.noFile') });
          const outcome = await uploadStatement(ctx.db, { bytes: file.buffer, filename: file.originalname }, { staffId: req.staff!.id, ip: req.ip }, todayInTokyo());
          if (outcome.kind === 'created') return res.redirect(303, `/admin/imports/${outcome.importId}`);
          if (outcome.kind === 'already') return res.redirect(303, `/admin/imports/${outcome.importId}?already=1`);
          const status = outcome.reason === 'binary' ? 415 : 422;
          return renderIndex(req, res, status, {
            error: t(req.locale, `giving.gifts.import.rejected.${outcome.reason}`, { max: MAX_STATEMENT_LINES.toLocaleString('ja-JP') }),
            problems: problemMessages(req.locale, outcome.problems),
          });
        },
      ],
      422,
    ),
    route('get', '/admin/imports/:id', 'gifts:import', async (req, res) => {
      const review = await loadReview(ctx.db, String(req.params.id));
      if (!review) return res.status(404).render('errors/error', { layout: 'admin', status: 404, title: t(req.locale, 'giving.gifts.review.notFound'), message: '' });
      let batch = 0;
      const lines = review.lines.map((l) => reviewLineView(req.locale, l, l.line.status === 'pending' && ++batch <= REVIEW_BATCH));
      const tally = (s: string) => lines.filter((l) => l.status === s).length;
      const done =
        count(req, 'recorded') !== undefined ? { recorded: count(req, 'recorded'), skipped: count(req, 'skipped') ?? 0, duplicates: count(req, 'duplicates') ?? 0 } : undefined;
      res.render('admin/imports/review', {
        layout: 'admin',
        title: t(req.locale, 'giving.gifts.review.title'),
        imp: { ...review.imp, statusLabel: label(req.locale, 'importStatus', review.imp.status) },
        lines,
        counts: { total: lines.length, pending: tally('pending'), recorded: tally('recorded'), skipped: tally('skipped'), duplicate: tally('duplicate') },
        hasPending: batch > 0,
        moreThanBatch: batch > REVIEW_BATCH,
        batch: REVIEW_BATCH,
        already: req.query.already === '1',
        done,
        ...badSupporterProblem(req, lines),
      });
    }),
    route(
      'post',
      '/admin/imports/:id/confirm',
      'gifts:import',
      async (req, res) => {
        const id = String(req.params.id);
        const choices = parseLineChoices(req.body);
        if (!choices) return res.status(422).render('errors/error', { layout: 'admin', status: 422, title: t(req.locale, 'giving.gifts.review.badChoice'), message: '' });
        const outcome = await confirmImport(ctx.db, id, choices, { staffId: req.staff!.id, ip: req.ip });
        if (!outcome.ok && outcome.problem === 'notFound')
          return res.status(404).render('errors/error', { layout: 'admin', status: 404, title: t(req.locale, 'giving.gifts.review.notFound'), message: '' });
        if (!outcome.ok) return res.redirect(303, `/admin/imports/${id}?error=supporter&line=${outcome.lineId}`);
        res.redirect(303, `/admin/imports/${id}?recorded=${outcome.recorded}&skipped=${outcome.skipped}&duplicates=${outcome.duplicates}`);
      },
      303,
    ),
    route('get', '/admin/imports/:id/lines/:lineId', 'gifts:import', async (req, res) => {
      const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : '';
      await renderLine(req, res, 200, q ? { q } : {});
    }),
    route(
      'post',
      '/admin/imports/:id/lines/:lineId',
      'gifts:import',
      async (req, res) => {
        const parsed = parseSupporterChoice(req.body);
        if (!parsed.ok) return renderLine(req, res, 422, echo(req.body), parsed.errors);
        const id = String(req.params.id);
        const outcome = await chooseLineSupporter(ctx.db, id, String(req.params.lineId), parsed.value, { staffId: req.staff!.id, ip: req.ip });
        if (outcome === 'notFound') return renderLine(req, res, 404);
        if (outcome === 'emailTaken') return renderLine(req, res, 422, echo(req.body), { new_email: 'giving.gifts.errors.emailTaken' });
        if (outcome === 'badSupporter') return renderLine(req, res, 422, echo(req.body), { supporter_id: 'giving.gifts.errors.supporterMissing' });
        if (outcome === 'notPending') return renderLine(req, res, 409, echo(req.body), { form: 'giving.gifts.line.notPending' });
        res.redirect(303, `/admin/imports/${id}#line-${String(req.params.lineId)}`);
      },
      422,
    ),
  ];
}
