import type { AppContext } from '../src/context';
import { newsletterComposers } from '../src/emails';
import { createSendRate, sendNewsletter, type SendDeps } from '../src/features/newsletters';
import type { JobPayload } from '../src/lib/job-contracts';

/** What sending needs from the app: one rate key per deployment (queue prefix), shared by every worker. */
export function newsletterSendDeps(ctx: AppContext): SendDeps {
  return {
    db: ctx.db,
    mailer: ctx.mailer,
    renderEmail: ctx.renderEmail,
    publicUrl: ctx.config.publicUrl,
    secret: ctx.sessionSecret,
    settings: () => ctx.settings.get(),
    rate: createSendRate(ctx.queues.connection, `${ctx.config.queuePrefix}:newsletter:send-rate`),
    logger: ctx.logger,
    metrics: ctx.metrics,
    composers: newsletterComposers(ctx),
  };
}

/** Sends a newsletter's queued deliveries in claimed batches for a few seconds, then hands over to its next run. */
export async function sendNewsletterJob(payload: JobPayload<'send-newsletter'>, ctx: AppContext): Promise<void> {
  const result = await sendNewsletter(newsletterSendDeps(ctx), payload.newsletterId);
  // The next run was written to the outbox: move it to the queue now rather than at the next poll.
  if (result.outcome === 'continued') ctx.dispatcher.poke();
  ctx.logger.info({ newsletterId: payload.newsletterId, ...result }, 'send-newsletter');
}
