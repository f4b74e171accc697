import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { t, type Locale } from '../../lib/i18n';
import { route, type AdminRoute } from '../../web/route-table';
import { declineDeletion, eraseSupporter, listDeletionRequests, previewErasure, type DecisionResult } from './supporters.privacy.service';
import { displayName } from './supporters.service';
import type { Supporter } from './supporters.repo';
import { formProblem, type FormErrorsView } from '../../web/form-errors';

/** Deletion requests in the console: list, what confirming would erase, confirm (erase) or decline. */
export function deletionRequestRoutes(ctx: AppContext): AdminRoute[] {
  return [
    route('get', '/admin/deletion-requests', 'supporters:erase', (req, res) => showList(ctx, req, res)),
    route('get', '/admin/deletion-requests/:id', 'supporters:erase', (req, res) => showRequest(ctx, req, res)),
    route('post', '/admin/deletion-requests/:id/confirm', 'supporters:erase', (req, res) => confirm(ctx, req, res), 404),
    route('post', '/admin/deletion-requests/:id/decline', 'supporters:erase', (req, res) => decline(ctx, req, res), 404),
  ];
}

// Erasing cannot be undone: the form must say so, and the box must be ticked.
const confirmForm = z.object({ irreversible: z.literal('on') });
const notices = ['erased', 'declined', 'alreadyDecided'] as const;

function personView(s: Supporter, locale: Locale) {
  const isErased = Boolean(s.erasedAt);
  return {
    id: s.id,
    isErased,
    name: isErased ? t(locale, 'admin.deletion.erasedName') : displayName(s),
    email: isErased ? '' : s.email,
  };
}

function notFound(req: Request, res: Response) {
  res.status(404).render('admin/deletion-requests/not-found', { layout: 'admin', title: t(req.locale, 'admin.deletion.notFound') });
}

async function showList(ctx: AppContext, req: Request, res: Response) {
  const rows = await listDeletionRequests(ctx.db);
  const view = rows.map(({ request, supporter, decidedByName }) => ({
    id: request.id,
    status: request.status,
    statusLabel: t(req.locale, `admin.deletion.status.${request.status}`),
    isPending: request.status === 'pending',
    requestedAt: request.requestedAt,
    decidedAt: request.decidedAt,
    decidedByName,
    person: personView(supporter, req.locale),
  }));
  res.render('admin/deletion-requests/list', {
    layout: 'admin',
    title: t(req.locale, 'admin.deletion.title'),
    rows: view,
    pendingCount: view.filter((r) => r.isPending).length,
    isEmpty: view.length === 0,
  });
}

async function renderRequest(ctx: AppContext, req: Request, res: Response, status = 200, extra: Partial<FormErrorsView> = {}) {
  const preview = await previewErasure(ctx.db, String(req.params.id ?? ''));
  if (!preview) return notFound(req, res);
  const { request, supporter, counts, liveSubscriptions, mergedRecords, decidedByName } = preview;
  const done = notices.find((n) => n === req.query.done);
  res.status(status).render('admin/deletion-requests/show', {
    layout: 'admin',
    title: t(req.locale, 'admin.deletion.showTitle'),
    request: { ...request, statusLabel: t(req.locale, `admin.deletion.status.${request.status}`), isPending: request.status === 'pending' },
    person: {
      ...personView(supporter, req.locale),
      hasStripe: Boolean(supporter.stripeCustomerId),
      kana: [supporter.familyNameKana, supporter.givenNameKana].filter(Boolean).join(' '),
    },
    counts,
    mergedRecords,
    liveSubscriptions,
    decidedByName,
    notice: done ? t(req.locale, `admin.deletion.notice.${done}`) : undefined,
    ...extra,
  });
}

async function showRequest(ctx: AppContext, req: Request, res: Response) {
  await renderRequest(ctx, req, res);
}

function afterDecision(req: Request, res: Response, result: DecisionResult, done: 'erased' | 'declined') {
  if (result === 'notFound') return notFound(req, res);
  res.redirect(303, `/admin/deletion-requests/${String(req.params.id)}?done=${result === 'done' ? done : 'alreadyDecided'}`);
}

async function confirm(ctx: AppContext, req: Request, res: Response) {
  const id = String(req.params.id ?? '');
  const preview = await previewErasure(ctx.db, id);
  if (!preview) return notFound(req, res);
  if (preview.request.status === 'pending' && !confirmForm.safeParse(req.body ?? {}).success) {
    return renderRequest(ctx, req, res, 422, formProblem(t(req.locale, 'admin.deletion.confirmMissing'), 'irreversible'));
  }
  let result: DecisionResult;
  try {
    result = await eraseSupporter(ctx.db, ctx.stripe, id, req.staff!.id, req.ip);
  } catch (err) {
    ctx.logger.error({ err, requestId: id }, 'erasing a supporter failed');
    return renderRequest(ctx, req, res, 502, formProblem(t(req.locale, 'admin.deletion.failed')));
  }
  afterDecision(req, res, result, 'erased');
}

async function decline(ctx: AppContext, req: Request, res: Response) {
  afterDecision(req, res, await declineDeletion(ctx.db, String(req.params.id ?? ''), req.staff!.id, req.ip), 'declined');
}
