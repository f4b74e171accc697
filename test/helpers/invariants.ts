import { sql } from 'drizzle-orm';
import type { TestApp } from './app';

/**
 * Rows written without the rest of their transaction, each count should be 0: an email or sign-in link
 * without its job in the outbox, a Stripe event without its processing job, a supporter who came
 * through a form without their privacy consent, a newsletter flag without the consent behind it, a
 * gift without its receipt number, a delivery without its newsletter.
 */
export async function halfStoredRows(app: TestApp): Promise<Record<string, number>> {
  const result = (await app.ctx.db.execute(sql`SELECT
      (SELECT count(*) FROM emails m WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.job_name = 'send-email' AND (o.payload->>'emailId')::bigint = m.id))::int AS "emailsWithoutJob",
      (SELECT count(*) FROM login_links l WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.job_name = 'send-login-link' AND o.payload->>'linkId' = l.id::text))::int AS "loginLinksWithoutJob",
      (SELECT count(*) FROM stripe_events e WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.job_name = 'process-stripe-event' AND o.payload->>'eventId' = e.id))::int AS "eventsWithoutJob",
      (SELECT count(*) FROM supporters s WHERE EXISTS (SELECT 1 FROM checkout_sessions k WHERE k.supporter_id = s.id)
         AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.supporter_id = s.id AND c.purpose = 'privacy_policy' AND c.granted))::int AS "formSupportersWithoutConsent",
      (SELECT count(*) FROM supporters s WHERE s.newsletter AND s.erased_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.supporter_id = s.id AND c.purpose = 'newsletter' AND c.granted))::int AS "newsletterWithoutConsent",
      (SELECT count(*) FROM donations WHERE entry = 'gift' AND receipt_number IS NULL)::int AS "giftsWithoutReceiptNumber"`)) as unknown as { rows: Record<string, number>[] };
  return result.rows[0]!;
}
