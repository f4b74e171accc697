import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import type { ReconciliationFinding } from '../../db/schema';
import { t, type Locale } from '../../lib/i18n';
import { route, type AdminRoute } from '../../web/route-table';
import type { RunWithNames } from './reconciliation.repo';
import { countFindings, findReconciliationRun, loadOverview, requestReplay, startRun, WINDOW_DAYS } from './reconciliation.service';

const CHECKED_KEYS = ['charges', 'invoices', 'refunds', 'disputes', 'ledgerRows'] as const;
// The console's status pills: green when matched, yellow when someone should look, grey while running.
const BADGES: Record<RunWithNames['status'], string> = { matched: 'recorded', mismatched: 'pending', failed: 'pending', running: 'duplicate' };
const DASHBOARD_PATHS: Record<ReconciliationFinding['object'], string> = { charge: 'payments', invoice: 'invoices', refund: 'refunds', dispute: 'disputes' };

/** Where staff open a Stripe object: the Dashboard (test mode unless the key is live; the sandbox has none). */
function stripeLinker(secretKey: string | undefined) {
  const mode = secretKey && /^(sk|rk)_live_/.test(secretKey) ? '' : 'test/';
  return (object: ReconciliationFinding['object'], id: string) => (id ? `https://dashboard.stripe.com/${mode}${DASHBOARD_PATHS[object]}/${encodeURIComponent(id)}` : undefined);
}

function runView(locale: Locale, run: RunWithNames) {
  return {
    id: run.id,
    status: run.status,
    statusLabel: t(locale, `reconciliation.status.${run.status}`),
    isRunning: run.status === 'running',
    badge: BADGES[run.status],
    by: run.trigger === 'schedule' ? t(locale, 'reconciliation.trigger.schedule') : (run.requestedByName ?? t(locale, 'reconciliation.trigger.staff')),
    windowStart: run.windowStart,
    windowEnd: run.windowEnd,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    counts: countFindings(run.findings),
    error: run.error,
  };
}

/** /admin/reconciliation: the last comparison of Stripe with the ledger, run now, replay what is missing. */
export function reconciliationRoutes(ctx: AppContext): AdminRoute[] {
  const stripeUrl = stripeLinker(ctx.config.stripe.secretKey);

  async function renderIndex(req: Request, res: Response, status = 200, error?: string) {
    const { latest, earlier } = await loadOverview(ctx.db);
    const locale = req.locale;
    const findings = (latest?.findings ?? []).map((f) => ({
      ...f,
      kindLabel: t(locale, `reconciliation.kind.${f.kind}`),
      objectLabel: t(locale, `reconciliation.object.${f.object}`),
      stripeUrl: stripeUrl(f.object, f.stripeId),
      supporterUrl: f.supporterId ? `/admin/supporters/${f.supporterId}` : undefined,
      hasStripeAmount: f.stripeAmount !== undefined,
      hasLedgerAmount: f.ledgerAmount !== undefined,
    }));
    const notice = req.query.started === '1' ? 'started' : req.query.already === '1' ? 'already' : req.query.replayed === '1' ? 'replayed' : undefined;
    res.status(status).render('admin/reconciliation/index', {
      layout: 'admin',
      title: t(locale, 'reconciliation.title'),
      windowDays: WINDOW_DAYS,
      latest: latest && {
        ...runView(locale, latest),
        checked: CHECKED_KEYS.filter((k) => latest.checked[k] !== undefined).map((k) => ({ label: t(locale, `reconciliation.checked.${k}`), value: latest.checked[k] })),
        findings,
        canReplay: latest.status === 'mismatched' && findings.some((f) => f.kind === 'missing_in_ledger'),
        replayedAt: latest.replayedAt,
        replayedByName: latest.replayedByName,
      },
      earlier: earlier.map((r) => runView(locale, r)),
      notice: notice && t(locale, `reconciliation.notice.${notice}`),
      error,
    });
  }

  return [
    route('get', '/admin/reconciliation', 'exports:create', (req, res) => renderIndex(req, res)),
    route(
      'post',
      '/admin/reconciliation',
      'exports:create',
      async (req, res) => {
        const { already } = await startRun(ctx.db, { staffId: req.staff!.id, ip: req.ip });
        if (!already) ctx.dispatcher.poke();
        res.redirect(303, `/admin/reconciliation?${already ? 'already' : 'started'}=1`);
      },
      303,
    ),
    route(
      'post',
      '/admin/reconciliation/:id/replay',
      'exports:create',
      async (req, res) => {
        const notFound = () => res.status(404).render('errors/error', { layout: 'admin', status: 404, title: t(req.locale, 'reconciliation.notFound'), message: '' });
        const id = String(req.params.id);
        if (!(await findReconciliationRun(ctx.db, id))) return notFound();
        // The form's checkbox is the confirmation: replaying writes to the ledger.
        if ((req.body as Record<string, unknown> | undefined)?.confirm !== 'on') return renderIndex(req, res, 422, t(req.locale, 'reconciliation.replay.confirmRequired'));
        const outcome = await requestReplay(ctx.db, id, { staffId: req.staff!.id, ip: req.ip });
        if (outcome === 'notFound') return notFound();
        if (outcome === 'nothingToReplay') return renderIndex(req, res, 409, t(req.locale, 'reconciliation.replay.nothing'));
        ctx.dispatcher.poke();
        res.redirect(303, '/admin/reconciliation?replayed=1');
      },
      303,
    ),
  ];
}
