import type { Settings } from '../../../config/organisation';
import { enqueueJob } from '../../lib/enqueue';
import type { Db } from '../../db/client';
import type { Locale } from '../../lib/i18n';
import type { Logger } from '../../lib/logger';
import type { Metrics } from '../../lib/metrics';
import { isPlainAddress } from '../../lib/bulk-mail';
import { isPermanentMailError, type BulkTemplate, type Mailer, type OutgoingMessage, type RawMessage } from '../../lib/mailer';
import type { EmailRenderer } from '../../lib/render-email';
import {
  claimDeliveries,
  findNewsletter,
  finishNewsletterIfDone,
  markAddressBounced,
  markDeliveryFailed,
  releaseClaims,
  renewClaims,
  retryDeliveryLater,
  selectNewsletterStatus,
  selectOpenDeliveries,
  type ClaimedDelivery,
  type Newsletter,
} from './deliveries.repo';
import { registerLinks } from './clicks.repo';
import { bulkMessageOf, countedLinksOf, messageFor, recipientToken, renderIssue, type NewsletterRenderDeps, type RenderedIssue } from './newsletter-email';
import { parseMessagesPerSecond, type SendRate } from './send-rate';
import { createSentMarks, type SentMarks } from './sent-marks';

/**
 * Most rows claimed at once; at most this many can be left `sending` by a worker that dies (they are
 * taken over after the lease; only the SEND_CONCURRENCY in flight can arrive twice). Large enough that
 * the lanes rarely idle at the end of a batch.
 */
export const BATCH_SIZE = 200;
/** A claim older than this (not renewed) is taken over by another worker. */
export const LEASE_SECONDS = 60;
const RENEW_EVERY_MS = 15_000;
/**
 * Messages handed to the pooled transport at once: twice its connections, so that a connection is
 * never idle while a row is being marked. At most this many can arrive twice after a crash.
 */
export const SEND_CONCURRENCY = 10;
/** Temporary failures before a row is failed for good. */
export const MAX_ATTEMPTS = 5;
/** The first retry waits this long, each next one twice as long (30 s, 1, 2, 4 min). */
export const RETRY_BASE_SECONDS = 30;
/** How long one run of the job sends before it hands over to the next run. */
export const SLICE_MS = 10_000;
const STATUS_CHECK_MS = 1000;
const IDLE_POLL_MS = 5000;

export interface SendDeps {
  db: Db;
  mailer: Mailer;
  renderEmail: EmailRenderer;
  publicUrl: string;
  /** The secret unsubscribe links are signed with. */
  secret: string;
  settings: () => Promise<Settings>;
  rate: SendRate;
  logger: Logger;
  /** Messages of other kinds of send than the newsletter (an annual report), by kind. */
  composers?: Partial<NewsletterComposers>;
  /** Where each message's outcome is counted (`newsletter_messages_total`: the send rate). */
  metrics?: Metrics;
}

/** Makes each recipient's message of one send. */
export interface MessageComposer {
  compose(row: ClaimedDelivery): Promise<OutgoingMessage | RawMessage>;
}
export type ComposerFactory = (newsletter: Newsletter, settings: Settings) => MessageComposer;
/** One composer per kind of send other than the newsletter itself (the list is in src/emails.ts). */
export type NewsletterComposers = { [K in Exclude<Newsletter['kind'], 'newsletter'>]: ComposerFactory };

/**
 * The newsletter's message: rendered and built once per language per run; each recipient's copy only
 * gets their address and token (unsubscribe and click links). An address a header cannot carry as it is (an
 * internationalised one) gets a message built whole by the mailer.
 */
function newsletterComposer(deps: SendDeps, newsletter: Newsletter, settings: Settings): MessageComposer {
  const issues = new Map<Locale, { issue: RenderedIssue; template: BulkTemplate }>();
  const render = renderDepsOf(deps);
  return {
    async compose(row) {
      let built = issues.get(row.locale);
      if (!built) {
        // The body's links are registered once per language and run (again on a later run: no change).
        const links = await registerLinks(deps.db, newsletter.id, countedLinksOf(render, newsletter, row.locale));
        const issue = renderIssue(render, newsletter, row.locale, settings, { links });
        issues.set(row.locale, (built = { issue, template: deps.mailer.template(bulkMessageOf(render, issue)) }));
      }
      if (!isPlainAddress(row.email)) return messageFor(render, built.issue, { supporterId: row.supporterId, email: row.email });
      return built.template.copy(row.email, recipientToken(render, row.supporterId));
    },
  };
}

function composerFor(deps: SendDeps, newsletter: Newsletter, settings: Settings): MessageComposer {
  if (newsletter.kind === 'newsletter') return newsletterComposer(deps, newsletter, settings);
  const factory = deps.composers?.[newsletter.kind];
  if (!factory) throw new Error(`no composer for a send of kind ${newsletter.kind}`);
  return factory(newsletter, settings);
}

export interface SendResult {
  /**
   * finished: the newsletter is `sent`; stopped: it was not (or no longer) `sending` (paused);
   * continued: the run used its time and queued the next run of the job.
   */
  outcome: 'finished' | 'stopped' | 'continued';
  sent: number;
  retried: number;
  failed: number;
  skipped: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts one message of a send by kind (newsletter, annual report) and outcome (sent, retried, failed). */
function countMessage(metrics: Metrics | undefined, kind: Newsletter['kind'], outcome: 'sent' | 'retried' | 'failed'): void {
  metrics
    ?.counter({ name: 'newsletter_messages_total', help: 'Messages of newsletter sends by kind and outcome (sent, retried later, failed)', labelNames: ['kind', 'outcome'] })
    .inc({ kind, outcome });
}

/** The SMTP reply of a failure ("550 5.1.1 …"), or the error message. */
function failureReason(err: unknown): string {
  const response = (err as { response?: unknown }).response;
  const text = typeof response === 'string' && response.trim() !== '' ? response : err instanceof Error ? err.message : String(err);
  return text.slice(0, 500);
}

/** Rows claimed at once: about two seconds of sending at the pace, so each batch ends soon. */
function claimSize(perSecond: number): number {
  return Math.min(BATCH_SIZE, Math.max(1, perSecond * 2));
}

/**
 * Sends a newsletter's deliveries for about `sliceMs`, then queues the next run of the job and returns,
 * so that a worker shutting down waits seconds, not the whole send. Stops when none is left (the
 * newsletter becomes `sent`) or it is no longer `sending` (paused). Runs on one newsletter may overlap:
 * their claims never do.
 */
export async function sendNewsletter(deps: SendDeps, newsletterId: string, opts: { sliceMs?: number } = {}): Promise<SendResult> {
  const result: SendResult = { outcome: 'stopped', sent: 0, retried: 0, failed: 0, skipped: 0 };
  const deadline = Date.now() + (opts.sliceMs ?? SLICE_MS);
  let composer: MessageComposer | undefined;
  for (;;) {
    const newsletter = await findNewsletter(deps.db, newsletterId);
    if (!newsletter || newsletter.status !== 'sending') return result;
    if (Date.now() >= deadline) {
      await enqueueJob(deps.db, 'send-newsletter', { newsletterId });
      result.outcome = 'continued';
      return result;
    }
    const settings = await deps.settings();
    const perSecond = parseMessagesPerSecond(settings.newsletter?.messagesPerSecond);
    const { claimed, skipped } = await claimDeliveries(deps.db, newsletterId, claimSize(perSecond), LEASE_SECONDS);
    result.skipped += skipped;
    if (claimed.length > 0) {
      composer ??= composerFor(deps, newsletter, settings);
      await sendBatch(deps, newsletter, claimed, { perSecond, composer, result });
      continue;
    }
    if (skipped > 0) continue;
    const { open, dueInMs } = await selectOpenDeliveries(deps.db, newsletterId, LEASE_SECONDS);
    if (open === 0) {
      if (await finishNewsletterIfDone(deps.db, newsletterId)) {
        result.outcome = 'finished';
        return result;
      }
      continue; // paused meanwhile, finished by another run, or rows queued again: look again
    }
    // Rows wait for their backoff, or are held by another worker: look again soon (a pause is seen too).
    await sleep(Math.min(Math.max(dueInMs, 200), IDLE_POLL_MS, Math.max(0, deadline - Date.now())));
  }
}

function renderDepsOf(deps: SendDeps): NewsletterRenderDeps {
  return { renderEmail: deps.renderEmail, publicUrl: deps.publicUrl, secret: deps.secret };
}

interface BatchOptions {
  perSecond: number;
  composer: MessageComposer;
  result: SendResult;
}

/**
 * Sends claimed rows, SEND_CONCURRENCY at a time, each marked as soon as the SMTP server answers.
 * The claim on rows not yet attempted is renewed while the batch runs; when the newsletter leaves
 * `sending` (pause) or an error stops the batch, those rows go back to the queue.
 */
async function sendBatch(deps: SendDeps, newsletter: Newsletter, rows: ClaimedDelivery[], opts: BatchOptions): Promise<void> {
  const pending = new Set(rows.map((r) => r.id));
  const marks = createSentMarks(deps.db);
  let next = 0;
  let stopped = false;
  let lastCheck = Date.now();
  let checking: Promise<void> | undefined;
  const renew = setInterval(() => {
    renewClaims(deps.db, [...pending]).catch((err) => deps.logger.warn({ err, newsletterId: newsletter.id }, 'could not renew delivery claims'));
  }, RENEW_EVERY_MS);

  const checkStillSending = async () => {
    if (Date.now() - lastCheck < STATUS_CHECK_MS) return;
    checking ??= (async () => {
      lastCheck = Date.now();
      if ((await selectNewsletterStatus(deps.db, newsletter.id)) !== 'sending') stopped = true;
    })().finally(() => (checking = undefined));
    await checking;
  };

  const lane = async () => {
    while (!stopped && next < rows.length) {
      const row = rows[next++]!;
      await deps.rate.take(opts.perSecond);
      await checkStillSending();
      if (stopped) return;
      const outcome = await deliverOne(deps, row, opts.composer, pending, marks);
      opts.result[outcome] += 1;
      countMessage(deps.metrics, newsletter.kind, outcome);
    }
  };

  try {
    const lanes = await Promise.allSettled(
      Array.from({ length: Math.min(SEND_CONCURRENCY, rows.length) }, async () => {
        try {
          await lane();
        } catch (err) {
          stopped = true;
          throw err;
        }
      }),
    );
    const failure = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failure) throw failure.reason;
  } finally {
    clearInterval(renew);
    await releaseClaims(deps.db, [...pending]);
  }
}

/** Sends one row's message and records the answer: sent, retried later, or failed (and bounced). */
async function deliverOne(deps: SendDeps, row: ClaimedDelivery, composer: MessageComposer, pending: Set<number>, marks: SentMarks): Promise<'sent' | 'retried' | 'failed'> {
  try {
    // A message that cannot be made (a failing render) is retried like a temporary SMTP failure.
    await deps.mailer.send(await composer.compose(row));
  } catch (err) {
    pending.delete(row.id);
    const reason = failureReason(err);
    const attempts = row.attempts + 1;
    if (isPermanentMailError(err)) {
      // The address refused the message: no more newsletters to it until it changes.
      await deps.db.transaction(async (tx) => {
        await markDeliveryFailed(tx, row.id, attempts, reason);
        await markAddressBounced(tx, row.supporterId, row.email, reason);
      });
      return 'failed';
    }
    if (attempts >= MAX_ATTEMPTS) {
      await markDeliveryFailed(deps.db, row.id, attempts, reason);
      return 'failed';
    }
    await retryDeliveryLater(deps.db, row.id, attempts, RETRY_BASE_SECONDS * 2 ** row.attempts, reason);
    return 'retried';
  }
  // Accepted: a crash between here and the update below is what can send this message twice.
  pending.delete(row.id);
  await marks.mark(row.id);
  return 'sent';
}
