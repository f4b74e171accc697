import type { AppContext } from '../src/context';
import { emailEnrichers } from '../src/emails';
import { deliverEmail } from '../src/features/emails';
import type { JobPayload } from '../src/lib/job-contracts';

/** Sends one recorded email (see deliverEmail for the idempotency guard). */
export async function sendEmail(payload: JobPayload<'send-email'>, ctx: AppContext): Promise<void> {
  const result = await deliverEmail(
    { db: ctx.db, mailer: ctx.mailer, renderEmail: ctx.renderEmail, settings: () => ctx.settings.get(), publicUrl: ctx.config.publicUrl, enrichers: emailEnrichers(ctx) },
    payload.emailId,
  );
  ctx.logger.info({ emailId: payload.emailId, result }, 'send-email');
}
