import type { Settings } from '../../../config/organisation';
import type { Tx } from '../../db/client';
import { enqueueJob } from '../../../jobs/enqueue';
import type { Locale } from '../../lib/i18n';
import { isPermanentMailError, type Mailer } from '../../lib/mailer';
import type { EmailRenderer } from '../../lib/render-email';
import { findEmail, insertEmail, markEmailFailed, markEmailSent, recordEmailError } from './emails.repo';

export interface QueueEmailInput {
  template: string;
  to: string;
  locale: Locale;
  params?: Record<string, unknown>;
  supporterId?: string;
}

/** Records an email and its send job in the caller's transaction; it leaves once that commits. */
export async function queueEmail(tx: Tx, input: QueueEmailInput): Promise<number> {
  const emailId = await insertEmail(tx, {
    template: input.template,
    toAddress: input.to,
    locale: input.locale,
    params: input.params ?? {},
    supporterId: input.supporterId,
  });
  await enqueueJob(tx, 'send-email', { emailId });
  return emailId;
}

export interface DeliverDeps {
  db: Tx;
  mailer: Mailer;
  renderEmail: EmailRenderer;
  settings: () => Promise<Settings>;
  publicUrl: string;
}

/**
 * Renders and sends one recorded email. Idempotent: an email already sent is skipped, so a job
 * retried after a crash re-sends only when the crash came between the SMTP reply and the update.
 * Permanent SMTP errors mark it failed without retry; temporary ones throw so the job retries.
 */
export async function deliverEmail(deps: DeliverDeps, emailId: number): Promise<'sent' | 'skipped' | 'failed'> {
  const email = await findEmail(deps.db, emailId);
  if (!email || email.status !== 'queued') return 'skipped';
  const settings = await deps.settings();
  const locale = email.locale === 'en' ? 'en' : 'ja';
  const rendered = deps.renderEmail(email.template, locale, {
    ...(email.params as Record<string, unknown>),
    organisation: settings.organisation,
    emailSettings: settings.email,
    publicUrl: deps.publicUrl,
  });
  try {
    const { messageId } = await deps.mailer.send({ to: email.toAddress, ...rendered });
    await markEmailSent(deps.db, emailId, messageId);
    return 'sent';
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (isPermanentMailError(err)) {
      await markEmailFailed(deps.db, emailId, message);
      return 'failed';
    }
    await recordEmailError(deps.db, emailId, message);
    throw err;
  }
}
