import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { recordedAt } from './columns';
import { staff } from './staff';
import { supporters } from './supporters';

/** Who a newsletter goes to: everyone who consented, or one segment of them. */
export type Audience =
  | { segment: 'all' }
  | { segment: 'monthly' }
  | { segment: 'plan'; plan: 1000 | 5000 | 10000 }
  | { segment: 'one_time' }
  | { segment: 'lapsed' }
  | { segment: 'locale'; locale: 'ja' | 'en' }
  | { segment: 'tag'; tag: string }
  /** Annual reports: everyone with a gift in the calendar year (Asia/Tokyo), consent or not. */
  | { segment: 'gave_in_year'; year: number };

/**
 * 「WELgeeファミリー通信」 issues: written once in Japanese (and English), sent to an audience.
 * draft → scheduled → sending ⇄ paused → sent; a scheduled issue can go back to draft (cancelled schedule).
 * A scheduled issue whose time comes while the footer lacks the sender's postal address is `held`
 * instead of sent: staff send it (now or at a new time) once the address is set, or take it back to draft.
 */
export const newsletters = pgTable(
  'newsletters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /**
     * newsletter: 「WELgeeファミリー通信」. annual_report: the send of a year's impact report and combined
     * receipts, which rides the same delivery pipeline (see features/annual-reports).
     */
    kind: text('kind', { enum: ['newsletter', 'annual_report'] })
      .notNull()
      .default('newsletter'),
    /** YYYY-MM when this is the month's issue of the monthly rhythm; null for an extra issue. */
    issueMonth: text('issue_month'),
    subjectJa: text('subject_ja').notNull().default(''),
    subjectEn: text('subject_en').notNull().default(''),
    /** Markdown; rendered and sanitised when sent. */
    bodyJa: text('body_ja').notNull().default(''),
    bodyEn: text('body_en').notNull().default(''),
    audience: jsonb('audience').$type<Audience>().notNull().default({ segment: 'all' }),
    status: text('status', { enum: ['draft', 'scheduled', 'held', 'sending', 'paused', 'sent'] })
      .notNull()
      .default('draft'),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }),
    /**
     * The public archive choice made with the schedule, applied when it fires; null: the default
     * (an issue to everyone is shown, one to a segment or tag is not).
     */
    archiveOnSend: boolean('archive_on_send'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** Staff can keep a sent issue out of the public archive (/family/news). */
    hiddenFromArchive: boolean('hidden_from_archive').notNull().default(false),
    createdBy: uuid('created_by').references(() => staff.id),
    sentBy: uuid('sent_by').references(() => staff.id),
    createdAt: recordedAt('created_at'),
    updatedAt: recordedAt('updated_at'),
  },
  (t) => [
    index('newsletters_status_idx').on(t.status, t.scheduledAt),
    // One issue per month of the monthly rhythm.
    uniqueIndex('newsletters_issue_month_key').on(t.issueMonth),
  ],
);

/**
 * One row per newsletter and recipient, written before any mail leaves. Workers claim queued rows in
 * batches (FOR UPDATE SKIP LOCKED), send, and mark each row; a row left `sending` by a killed worker is
 * claimed again after its lease, so only messages in flight at the kill can arrive twice.
 */
export const newsletterDeliveries = pgTable(
  'newsletter_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    newsletterId: uuid('newsletter_id')
      .notNull()
      .references(() => newsletters.id),
    supporterId: uuid('supporter_id')
      .notNull()
      .references(() => supporters.id),
    /** The address and language at the time the send started. */
    email: text('email').notNull(),
    locale: text('locale', { enum: ['ja', 'en'] }).notNull(),
    status: text('status', { enum: ['queued', 'sending', 'sent', 'failed', 'skipped'] })
      .notNull()
      .default('queued'),
    attempts: integer('attempts').notNull().default(0),
    /** Temporary SMTP failures wait until then (backoff). */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** When a worker claimed the row; a claim older than the lease is taken over. */
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** Why it failed or was skipped (SMTP reply, unsubscribed, bounced). */
    reason: text('reason'),
    createdAt: recordedAt('created_at'),
  },
  (t) => [uniqueIndex('newsletter_deliveries_recipient_key').on(t.newsletterId, t.supporterId), index('newsletter_deliveries_claim_idx').on(t.newsletterId, t.status, t.id)],
);

/**
 * The links of an issue's body, registered when its messages are made: each is rewritten to
 * /r/<id>.<signature>/<recipient>, so a reader's click is counted and answered with a 302 to `url`.
 * Only addresses stored here are ever redirected to (no open redirect).
 */
export const newsletterLinks = pgTable(
  'newsletter_links',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    newsletterId: uuid('newsletter_id')
      .notNull()
      .references(() => newsletters.id),
    url: text('url').notNull(),
    createdAt: recordedAt('created_at'),
  },
  (t) => [uniqueIndex('newsletter_links_url_key').on(t.newsletterId, t.url)],
);

/**
 * Clicks on an issue's link, one row per link and recipient (unique clickers = rows, total = sum of
 * `clicks`). No address, browser or time of each click is kept: only the first and the last.
 */
export const newsletterLinkClicks = pgTable(
  'newsletter_link_clicks',
  {
    linkId: bigint('link_id', { mode: 'number' })
      .notNull()
      .references(() => newsletterLinks.id),
    supporterId: uuid('supporter_id')
      .notNull()
      .references(() => supporters.id),
    clicks: integer('clicks').notNull().default(1),
    firstClickedAt: recordedAt('first_clicked_at'),
    lastClickedAt: recordedAt('last_clicked_at'),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.supporterId] })],
);
