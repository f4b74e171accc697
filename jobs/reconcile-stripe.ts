import type { AppContext } from '../src/context';
import { runReconciliation } from '../src/features/reconciliation';
import type { JobPayload } from '../src/lib/job-contracts';

/** Compares the last 35 days of Stripe with the ledger and stores the findings (nightly, or from the console). */
export async function reconcileStripe(payload: JobPayload<'reconcile-stripe'>, ctx: AppContext): Promise<void> {
  // Idempotent: a run that has finished is left as it is (see features/reconciliation/README.md).
  const result = await runReconciliation({ db: ctx.db, gateway: ctx.stripe }, payload.runId);
  if ('emailed' in result && result.emailed > 0) ctx.dispatcher.poke();
  const level = result.outcome === 'failed' ? 'warn' : 'info';
  ctx.logger[level]({ runId: payload.runId, result }, 'reconcile-stripe');
}
