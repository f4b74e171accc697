import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { tokyoDay } from '../../lib/dates';
import { t } from '../../lib/i18n';
import { collectPersonalData, displayName, personalDataCsv, requestDeletion, type PersonalData } from '../supporters';
import { requireSupporter } from './me.session';
import { formProblem, noFormErrors, type FormErrorsView } from '../../web/form-errors';

const deletionForm = z.object({ confirm: z.literal('on') });

/** The sections the page counts, in the order of the export. */
const COUNTED = ['consents', 'subscriptions', 'ledger', 'emails', 'tags', 'notes', 'cancellationReasons', 'deletionRequests', 'earlierRecords'] as const;

/** My page's personal data: see what is held, download it (JSON, CSV), ask for deletion. */
export function meDataRoutes(ctx: AppContext): Router {
  const router = Router();

  async function renderPage(req: Request, res: Response, status = 200, problems: FormErrorsView = noFormErrors) {
    const supporter = req.supporter!;
    const data = (await collectPersonalData(ctx.db, supporter.id))!;
    const pending = data.deletionRequests.find((r) => r.status === 'pending');
    res.status(status).render('me/data', {
      title: t(req.locale, 'me.personalData.title'),
      me: supporter,
      meName: displayName(supporter, req.locale),
      counts: COUNTED.map((section) => ({ label: t(req.locale, `me.personalData.section.${section}`), count: data[section].length })),
      pendingSince: pending?.requestedAt ?? undefined,
      hasLiveSubscription: data.subscriptions.some((s) => ['active', 'past_due', 'unpaid', 'trialing', 'incomplete'].includes(String(s.status))),
      ...problems,
      csrfToken: req.csrfToken(),
    });
  }

  async function download(req: Request, res: Response, kind: 'json' | 'csv') {
    const data: PersonalData = (await collectPersonalData(ctx.db, req.supporter!.id))!;
    const filename = `welgee-my-data-${tokyoDay(new Date(data.exportedAt))}.${kind}`;
    res
      .set('Cache-Control', 'no-store')
      .set('Content-Disposition', `attachment; filename="${filename}"`)
      .set('Content-Type', kind === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8')
      .send(kind === 'json' ? `${JSON.stringify(data, null, 2)}\n` : personalDataCsv(data));
  }

  router.get('/me/data', requireSupporter, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    await renderPage(req, res);
  });

  router.get('/me/data.json', requireSupporter, (req, res) => download(req, res, 'json'));
  router.get('/me/data.csv', requireSupporter, (req, res) => download(req, res, 'csv'));

  router.post('/me/delete', requireSupporter, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (!deletionForm.safeParse(req.body ?? {}).success) return renderPage(req, res, 422, formProblem(t(req.locale, 'me.personalData.delete.confirmMissing'), 'confirm'));
    // A second request while one is pending changes nothing and answers the same.
    await requestDeletion(ctx.db, req.supporter!.id);
    res.redirect(303, '/me?done=deletion');
  });

  return router;
}
