import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { route, type AdminRoute } from '../../web/route-table';
import { notFoundPage, staffAct, supporterOr404 } from './supporters.admin.http';
import { fieldErrors, noteSchema, parseListQuery, profileSchema, supporterFormFields, tagSchema } from './supporters.admin.schemas';
import { formErrors } from '../../web/form-errors';
import { addSupporterNote, changeSupporterTag, createSupporterByHand, loadSupporterPage, recordSupporterView, updateSupporterProfile } from './supporters.admin.service';
import { detailView, listRow, prefectureOptions, profileView } from './supporters.admin.view';
import { mergeHandlers } from './supporters.merge.routes';
import type { Supporter } from './supporters.repo';
import { listTagsInUse, PAGE_SIZE, searchSupporters } from './supporters.search.repo';

/** Supporters in the console: search, detail, edit, add by hand, merge, notes, tags. */
export function supporterAdminRoutes(ctx: AppContext): AdminRoute[] {
  const merge = mergeHandlers(ctx);
  return [
    route('get', '/admin/supporters', 'supporters:view', (req, res) => showList(ctx, req, res)),
    route('get', '/admin/supporters/new', 'supporters:edit', (req, res) => renderForm(ctx, req, res, 200, {})),
    route('post', '/admin/supporters/new', 'supporters:edit', (req, res) => saveProfile(ctx, req, res), 422),
    route('get', '/admin/supporters/:id', 'supporters:view', (req, res) => showDetail(ctx, req, res)),
    route('get', '/admin/supporters/:id/edit', 'supporters:edit', (req, res) => showEdit(ctx, req, res)),
    route('post', '/admin/supporters/:id/edit', 'supporters:edit', (req, res) => saveProfile(ctx, req, res), 404),
    route('post', '/admin/supporters/:id/notes', 'supporters:edit', (req, res) => addNote(ctx, req, res), 404),
    route('post', '/admin/supporters/:id/tags', 'supporters:edit', (req, res) => changeTag(ctx, req, res, 'add'), 404),
    route('post', '/admin/supporters/:id/tags/remove', 'supporters:edit', (req, res) => changeTag(ctx, req, res, 'remove'), 404),
    route('get', '/admin/supporters/:id/merge', 'supporters:merge', merge.show, 404),
    route('post', '/admin/supporters/:id/merge', 'supporters:merge', merge.merge, 404),
  ];
}

const notices = ['saved', 'created', 'merged', 'note', 'tagged', 'untagged', 'receiptSent', 'refundRequested', 'signInLink'] as const;

async function showList(ctx: AppContext, req: Request, res: Response) {
  const { search, values, invalid } = parseListQuery(req.query as Record<string, unknown>);
  const [result, tags, settings] = await Promise.all([searchSupporters(ctx.db, search), listTagsInUse(ctx.db), ctx.settings.get()]);
  const page = search.page ?? 1;
  const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
  const linkTo = (n: number) => `/admin/supporters?${new URLSearchParams({ ...values, page: String(n) }).toString()}`;
  const planAmounts = new Set(settings.familyPage.plans.map((p) => p.amount));
  if (search.plan) planAmounts.add(search.plan);
  const isFiltered = Object.keys(values).some((k) => k !== 'sort' && k !== 'page');
  res.status(invalid.length ? 400 : 200).render('admin/supporters/list', {
    layout: 'admin',
    title: t(req.locale, 'supporters.list.title'),
    rows: result.rows.map((r) => listRow(r, req.locale)),
    total: result.total,
    values,
    invalid: invalid.map((p) => t(req.locale, `supporters.filter.${p}`)),
    isFiltered,
    isEmpty: result.total === 0,
    plans: [...planAmounts].sort((a, b) => a - b).map((amount) => ({ amount, selected: search.plan === amount })),
    tags: tags.map((x) => ({ ...x, selected: search.tag === x.tag })),
    from: result.total === 0 ? 0 : (page - 1) * PAGE_SIZE + 1,
    to: Math.min(result.total, page * PAGE_SIZE),
    page,
    pages,
    prev: page > 1 ? linkTo(Math.min(page - 1, pages)) : undefined,
    next: page < pages ? linkTo(page + 1) : undefined,
  });
}

async function renderDetail(ctx: AppContext, req: Request, res: Response, supporter: Supporter, status = 200, extra: Record<string, unknown> = {}) {
  const page = await loadSupporterPage(ctx.db, supporter);
  const done = notices.find((n) => n === req.query.done);
  res.status(status).render('admin/supporters/detail', {
    layout: 'admin',
    title: profileView(supporter, req.locale).name,
    supporter: profileView(supporter, req.locale),
    ...detailView(page, req.locale),
    notice: done ? t(req.locale, `supporters.notice.${done}`) : undefined,
    ...extra,
  });
}

async function showDetail(ctx: AppContext, req: Request, res: Response) {
  const supporter = await supporterOr404(ctx, req, res);
  if (!supporter) return;
  // A merged-away record lives on in the one it was merged into.
  if (supporter.mergedIntoId) return res.redirect(302, `/admin/supporters/${supporter.mergedIntoId}`);
  await recordSupporterView(ctx.db, supporter.id, staffAct(req));
  await renderDetail(ctx, req, res, supporter);
}

/** The profile form's values from a stored supporter. */
function formValues(s: Supporter): Record<string, string> {
  return {
    kind: s.kind,
    organisation_name: s.organisationName ?? '',
    email: s.email,
    family_name: s.familyName,
    given_name: s.givenName,
    family_name_kana: s.familyNameKana ?? '',
    given_name_kana: s.givenNameKana ?? '',
    locale: s.locale,
    postal_code: s.postalCode ?? '',
    prefecture: s.prefecture ?? '',
    address: s.address ?? '',
    phone: s.phone ?? '',
    newsletter: s.newsletter ? 'on' : '',
    postal_mail: s.postalMail ? 'on' : '',
  };
}

/** Strings only, at most 300 characters each: what a re-shown form may echo back. */
function echo(body: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && key !== '_csrf') values[key] = value.slice(0, 300);
  }
  return values;
}

function renderForm(
  ctx: AppContext,
  req: Request,
  res: Response,
  status: number,
  values: Record<string, string>,
  errors: Record<string, string> = {},
  supporter?: Supporter,
  takenBy?: string,
) {
  res.status(status).render('admin/supporters/form', {
    layout: 'admin',
    title: t(req.locale, supporter ? 'supporters.form.editTitle' : 'supporters.form.newTitle'),
    supporter: supporter ? profileView(supporter, req.locale) : undefined,
    action: supporter ? `/admin/supporters/${supporter.id}/edit` : '/admin/supporters/new',
    values: { kind: 'individual', locale: 'ja', ...values },
    prefectures: prefectureOptions(req.locale, values.prefecture),
    ...formErrors(req.locale, errors, supporterFormFields),
    takenBy,
  });
}

async function showEdit(ctx: AppContext, req: Request, res: Response) {
  const supporter = await supporterOr404(ctx, req, res);
  if (!supporter) return;
  if (supporter.mergedIntoId) return res.redirect(302, `/admin/supporters/${supporter.mergedIntoId}`);
  renderForm(ctx, req, res, 200, formValues(supporter), {}, supporter);
}

/** POST of the profile form: add by hand (no :id) or edit. */
async function saveProfile(ctx: AppContext, req: Request, res: Response) {
  const supporter = req.params.id === undefined ? undefined : await supporterOr404(ctx, req, res);
  if (req.params.id !== undefined && !supporter) return;
  const parsed = profileSchema.safeParse(req.body ?? {});
  if (!parsed.success) return renderForm(ctx, req, res, 422, echo(req.body), fieldErrors(parsed.error), supporter);
  const result = supporter ? await updateSupporterProfile(ctx.db, supporter.id, parsed.data, staffAct(req)) : await createSupporterByHand(ctx.db, parsed.data, staffAct(req));
  if (!result.ok && 'notFound' in result) return notFoundPage(req, res);
  if (!result.ok && 'reasonRequired' in result) return renderForm(ctx, req, res, 422, echo(req.body), { newsletter_reason: 'supporters.errors.resubscribeReason' }, supporter);
  if (!result.ok) {
    return renderForm(ctx, req, res, 422, echo(req.body), { email: 'supporters.errors.emailTaken' }, supporter, result.emailTakenBy);
  }
  res.redirect(303, `/admin/supporters/${result.id}?done=${supporter ? 'saved' : 'created'}`);
}

async function addNote(ctx: AppContext, req: Request, res: Response) {
  const supporter = await supporterOr404(ctx, req, res);
  if (!supporter) return;
  const parsed = noteSchema.safeParse(req.body ?? {});
  if (!parsed.success || supporter.mergedIntoId) {
    const key = parsed.success ? 'supporters.errors.merged' : (fieldErrors(parsed.error).body ?? 'giving.errors.invalid');
    return renderDetail(ctx, req, res, supporter, 422, {
      noteError: formErrors(req.locale, { body: key }, [['body', 'supporters.detail.addNote']]).errors.body,
      noteValue: echo(req.body).body,
    });
  }
  await addSupporterNote(ctx.db, supporter.id, parsed.data.body, staffAct(req));
  res.redirect(303, `/admin/supporters/${supporter.id}?done=note#notes`);
}

async function changeTag(ctx: AppContext, req: Request, res: Response, change: 'add' | 'remove') {
  const supporter = await supporterOr404(ctx, req, res);
  if (!supporter) return;
  const parsed = tagSchema.safeParse(req.body ?? {});
  if (!parsed.success || supporter.mergedIntoId) {
    const key = parsed.success ? 'supporters.errors.merged' : (fieldErrors(parsed.error).tag ?? 'giving.errors.invalid');
    return renderDetail(ctx, req, res, supporter, 422, {
      tagError: formErrors(req.locale, { tag: key }, [['tag', 'supporters.detail.addTag']]).errors.tag,
      tagValue: echo(req.body).tag,
    });
  }
  await changeSupporterTag(ctx.db, supporter.id, parsed.data.tag, change, staffAct(req));
  res.redirect(303, `/admin/supporters/${supporter.id}?done=${change === 'add' ? 'tagged' : 'untagged'}#tags`);
}
