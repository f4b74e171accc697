import type { AppContext } from '../src/context';
import { replayMissingEvents } from '../src/features/reconciliation';
import type { JobPayload } from '../src/lib/job-contracts';

/** Fetches again from Stripe the events behind a run's missing items and processes them. */
export async function replayStripeEvents(payload: JobPayload<'replay-stripe-events'>, ctx: AppContext): Promise<void> {
  const result = await replayMissingEvents({ db: ctx.db, gateway: ctx.stripe }, payload.runId);
  if (result.outcome === 'replayed' && result.events > 0) ctx.dispatcher.poke();
  ctx.logger.info({ runId: payload.runId, result }, 'replay-stripe-events');
}
