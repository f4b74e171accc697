import type { AppContext } from '../src/context';
import { processStripeEvent } from '../src/features/billing';
import type { JobPayload } from '../src/lib/job-contracts';

/** Applies one stored Stripe webhook event to the ledger (idempotent; see features/billing/README.md). */
export async function processStripeEventJob(payload: JobPayload<'process-stripe-event'>, ctx: AppContext): Promise<void> {
  const result = await processStripeEvent({ db: ctx.db, gateway: ctx.stripe, metrics: ctx.metrics }, payload.eventId);
  ctx.supporterCounter.invalidate();
  ctx.logger.info({ eventId: payload.eventId, result }, 'process-stripe-event');
}
