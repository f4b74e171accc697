import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { hasControlCharacters } from '../../lib/text';
import { staffAct, supporterOr404 } from './supporters.admin.http';
import { isUuid } from './supporters.admin.repo';
import { listRow, mergeView, profileView } from './supporters.admin.view';
import { MergeRefused, mergeSupporters, previewMerge, type MergeProblem } from './supporters.merge.service';
import type { Supporter } from './supporters.repo';
import { searchSupporters } from './supporters.search.repo';

// The merge page's handlers (their routes and permission are in supporters.admin.routes.ts):
// pick the duplicate by searching, see what would move, confirm.

export function mergeHandlers(ctx: AppContext): { show: RequestHandler; merge: RequestHandler } {
  async function render(req: Request, res: Response, kept: Supporter, status: number, opts: { q?: string; duplicateId?: string; problem?: MergeProblem }) {
    const q = opts.q ?? '';
    const candidates = q && !opts.duplicateId ? (await searchSupporters(ctx.db, { q, perPage: 20 })).rows.filter((r) => r.id !== kept.id) : undefined;
    const result = opts.duplicateId && !opts.problem ? await previewMerge(ctx.db, kept.id, opts.duplicateId) : undefined;
    const problem = opts.problem ?? (result && 'problem' in result ? result.problem : undefined) ?? (kept.mergedIntoId ? 'keptMerged' : undefined);
    res.status(problem && status === 200 ? 422 : status).render('admin/supporters/merge', {
      layout: 'admin',
      title: t(req.locale, 'supporters.merge.title'),
      kept: profileView(kept, req.locale),
      q,
      candidates: candidates?.map((r) => listRow(r, req.locale)),
      hasSearched: candidates !== undefined,
      preview: result && 'preview' in result ? mergeView(result.preview, req.locale) : undefined,
      problem: problem ? t(req.locale, `supporters.merge.problem.${problem}`) : undefined,
    });
  }

  return {
    async show(req, res) {
      const kept = await supporterOr404(ctx, req, res);
      if (!kept) return;
      const q = typeof req.query.q === 'string' && req.query.q.length <= 200 && !hasControlCharacters(req.query.q) ? req.query.q : undefined;
      const duplicate = typeof req.query.duplicate === 'string' ? req.query.duplicate : undefined;
      if (duplicate !== undefined && !isUuid(duplicate)) return render(req, res, kept, 422, { q, problem: 'notFound' });
      await render(req, res, kept, 200, { q, duplicateId: duplicate });
    },

    async merge(req, res) {
      const kept = await supporterOr404(ctx, req, res);
      if (!kept) return;
      const duplicateId = (req.body ?? {}).duplicate_id;
      if (typeof duplicateId !== 'string' || !isUuid(duplicateId)) return render(req, res, kept, 422, { problem: 'notFound' });
      try {
        await mergeSupporters(ctx.db, { keptId: kept.id, duplicateId, staffId: staffAct(req).staffId, ip: req.ip });
      } catch (err) {
        if (err instanceof MergeRefused) return render(req, res, kept, 422, { problem: err.problem });
        throw err;
      }
      res.redirect(303, `/admin/supporters/${kept.id}?done=merged`);
    },
  };
}
