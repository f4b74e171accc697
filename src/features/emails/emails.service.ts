import type { Settings } from '../../../config/organisation';
import type { Tx } from '../../db/client';
import { enqueueJob } from '../../lib/enqueue';
import { isEmailTemplate, parseEmailParams, type EmailData, type EmailParams, type EnrichedTemplate, type QueuedTemplate } from '../../lib/email-templates';
import type { Locale } from '../../lib/i18n';
import { isPermanentMailError, type Mailer, type OutgoingMessage } from '../../lib/mailer';
import type { EmailRenderer } from '../../lib/render-email';
import { retryFor } from '../../lib/retry';
import { findEmail, insertEmail, markEmailFailed, markEmailSent, recordEmailError, type EmailRow } from './emails.repo';

/** One email to queue; over several templates, a union with each template's own params. */
export type QueueEmailInput<N extends QueuedTemplate = QueuedTemplate> = N extends QueuedTemplate ? EmailOf<N> : never;

type EmailOf<N extends QueuedTemplate> = {
  template: N;
  to: string;
  locale: Locale;
  supporterId?: string;
  /** A second email with the same key is silently not written (e.g. `welcome:<subscription>`). */
  dedupeKey?: string;
} & (Record<string, never> extends EmailParams<N> ? { params?: EmailParams<N> } : { params: EmailParams<N> });

/**
 * Records an email and its send job in the caller's transaction; it leaves once that commits.
 * Returns undefined when an email with the same dedupe key exists already, or the address is a placeholder.
 */
export async function queueEmail<N extends QueuedTemplate>(tx: Tx, input: QueueEmailInput<N>): Promise<number | undefined> {
  // Checked against the template's schema (throws on a mismatch); stored as given.
  parseEmailParams(input.template, input.params);
  // `.invalid` (RFC 2606) marks a supporter without a real address (erased, or known only from a bank line).
  if (/\.invalid$/i.test(input.to.trim())) return undefined;
  const emailId = await insertEmail(tx, {
    template: input.template,
    toAddress: input.to,
    locale: input.locale,
    params: input.params ?? {},
    supporterId: input.supporterId,
    dedupeKey: input.dedupeKey,
  });
  if (emailId === undefined) return undefined;
  await enqueueJob(tx, 'send-email', { emailId });
  return emailId;
}

/** What a feature adds to an email before it is rendered: its template's data, attachments. */
export interface EmailExtras<N extends EnrichedTemplate = EnrichedTemplate> {
  context: EmailData<N>;
  attachments?: OutgoingMessage['attachments'];
}
/** Loads a template's data from the ids in its email's params (parsed by the template's schema). */
export type EmailEnricher<N extends EnrichedTemplate> = (params: EmailParams<N>, email: EmailRow, settings: Settings) => Promise<EmailExtras<N>>;
/** One enricher per template that needs one (the list is in src/emails.ts). */
export type EmailEnrichers = { [N in EnrichedTemplate]: EmailEnricher<N> };

export interface DeliverDeps {
  db: Tx;
  mailer: Mailer;
  renderEmail: EmailRenderer;
  settings: () => Promise<Settings>;
  publicUrl: string;
  /** Per template name: loads what the template needs from ids in the email's params. */
  enrichers?: EmailEnrichers;
  /** How long to keep trying to record a message that has left while the database is away (default 2 min). */
  recordForMs?: number;
}

/** The data and attachments an email's enricher adds (none for a template that has no enricher). */
async function enrich(enrichers: EmailEnrichers | undefined, email: EmailRow, settings: Settings): Promise<Partial<EmailExtras>> {
  if (!enrichers || !Object.hasOwn(enrichers, email.template)) return {};
  const name = email.template as EnrichedTemplate;
  const enricher = enrichers[name] as EmailEnricher<EnrichedTemplate>;
  return enricher(parseEmailParams(name, email.params), email, settings);
}

/**
 * Renders and sends one recorded email. Idempotent: an email already sent is skipped, so a job
 * retried after a crash re-sends only when the crash came between the SMTP reply and the update.
 * Permanent SMTP errors mark it failed without retry; temporary ones throw so the job retries.
 * Once SMTP has accepted it, recording it is retried while the database is away (recordForMs), so a
 * database outage does not send it a second time.
 */
export async function deliverEmail(deps: DeliverDeps, emailId: number): Promise<'sent' | 'skipped' | 'failed'> {
  const email = await findEmail(deps.db, emailId);
  if (!email || email.status !== 'queued') return 'skipped';
  const settings = await deps.settings();
  const locale = email.locale === 'en' ? 'en' : 'ja';
  // A name no template has (a row older than a template's removal) fails the job as a missing file did.
  if (!isEmailTemplate(email.template)) throw new Error(`email ${emailId}: no template ${email.template}`);
  const extras = await enrich(deps.enrichers, email, settings);
  const rendered = deps.renderEmail(email.template, locale, {
    ...(email.params as Record<string, unknown>),
    ...extras.context,
    organisation: settings.organisation,
    emailSettings: settings.email,
    familyPage: settings.familyPage,
    publicUrl: deps.publicUrl,
  });
  let messageId: string;
  try {
    ({ messageId } = await deps.mailer.send({ to: email.toAddress, ...rendered, attachments: extras.attachments }));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (isPermanentMailError(err)) {
      await markEmailFailed(deps.db, emailId, message);
      return 'failed';
    }
    await recordEmailError(deps.db, emailId, message);
    throw err;
  }
  await retryFor(() => markEmailSent(deps.db, emailId, messageId), deps.recordForMs ?? 120_000);
  return 'sent';
}
