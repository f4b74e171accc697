import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { recordedAt } from './columns';

/** Where a consent was given or withdrawn (consents.source, newsletter_signups.source). */
export const consentSources = ['join_form', 'give_form', 'my_page', 'newsletter_confirmation', 'unsubscribe_link', 'staff', 'staff_console'] as const;

/** People and organisations who give; one row per normalised email. */
export const supporters = pgTable(
  'supporters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['individual', 'organisation'] })
      .notNull()
      .default('individual'),
    email: text('email').notNull(),
    /** NFKC, trimmed, lower-cased: the identity used to find a supporter again. */
    emailNormalized: text('email_normalized').notNull(),
    familyName: text('family_name').notNull(),
    givenName: text('given_name').notNull(),
    familyNameKana: text('family_name_kana'),
    givenNameKana: text('given_name_kana'),
    organisationName: text('organisation_name'),
    locale: text('locale', { enum: ['ja', 'en'] })
      .notNull()
      .default('ja'),
    /** prospect (no gift yet), monthly, one_time, lapsed (monthly giving ended) */
    status: text('status', { enum: ['prospect', 'monthly', 'one_time', 'lapsed'] })
      .notNull()
      .default('prospect'),
    /** Current newsletter consent; the history is in `consents`. */
    newsletter: boolean('newsletter').notNull().default(false),
    stripeCustomerId: text('stripe_customer_id'),
    postalCode: text('postal_code'),
    prefecture: text('prefecture'),
    address: text('address'),
    phone: text('phone'),
    /** Current consent to letters by post; the history is in `consents`. */
    postalMail: boolean('postal_mail').notNull().default(false),
    /** Set when mail to this address bounced permanently: no more newsletters until the address changes. */
    emailBouncedAt: timestamp('email_bounced_at', { withTimezone: true }),
    emailBounceReason: text('email_bounce_reason'),
    /** Set when this record was merged into another supporter (kept for the audit trail). */
    mergedIntoId: uuid('merged_into_id'),
    /** Set when the person's details were erased at their request; their gifts stay under this id. */
    erasedAt: timestamp('erased_at', { withTimezone: true }),
    /**
     * What staff search: names both ways round, kana, organisation and email in the comparison form of
     * src/lib/name-key.ts (searchKeyOf). NULL until written: src/db/search-keys.ts fills it, and a
     * trigger empties it again whenever a name or the email changes (migration 0012).
     */
    searchKey: text('search_key'),
    /** The keys a bank payer name is matched against (payerKeysOf); filled and emptied with search_key. */
    nameKeys: text('name_keys').array(),
    createdAt: recordedAt('created_at'),
    updatedAt: recordedAt('updated_at'),
  },
  (t) => [
    uniqueIndex('supporters_email_normalized_key').on(t.emailNormalized),
    uniqueIndex('supporters_stripe_customer_key').on(t.stripeCustomerId),
    index('supporters_status_idx').on(t.status),
    index('supporters_search_key_trgm_idx').using('gin', sql`${t.searchKey} gin_trgm_ops`),
    index('supporters_name_keys_idx')
      .using('gin', t.nameKeys)
      .where(sql`merged_into_id is null`),
    index('supporters_search_key_missing_idx')
      .on(t.id)
      .where(sql`search_key is null`),
  ],
);

/** Every consent given or withdrawn, with the exact text shown: append-only. */
export const consents = pgTable(
  'consents',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    supporterId: uuid('supporter_id')
      .notNull()
      .references(() => supporters.id),
    purpose: text('purpose', { enum: ['privacy_policy', 'newsletter', 'postal_mail'] }).notNull(),
    granted: boolean('granted').notNull(),
    textVersion: text('text_version').notNull(),
    text: text('text').notNull(),
    source: text('source', { enum: consentSources }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** Why staff changed it (required when staff subscribe someone who had unsubscribed). */
    reason: text('reason'),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [index('consents_supporter_idx').on(t.supporterId, t.createdAt)],
);

/**
 * Newsletter consent asked for on a public form but not yet given: it counts once the form's payment
 * arrives (checkout_session_id) or the person confirms the emailed link. Until then the
 * supporter's newsletter flag and language stay as they were.
 */
export const newsletterSignups = pgTable(
  'newsletter_signups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    supporterId: uuid('supporter_id')
      .notNull()
      .references(() => supporters.id),
    locale: text('locale', { enum: ['ja', 'en'] }).notNull(),
    /** The exact checkbox text shown, and where, from where, when. */
    text: text('text').notNull(),
    source: text('source', { enum: consentSources }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestedAt: recordedAt('requested_at'),
    /** The Checkout Session the form went on to; its payment confirms the consent. */
    checkoutSessionId: text('checkout_session_id'),
    /** Until when the emailed link confirms; set when the link is sent. Its token is an HMAC of the id, never stored. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    /** payment or link */
    confirmedBy: text('confirmed_by', { enum: ['payment', 'link'] }),
  },
  (t) => [index('newsletter_signups_checkout_idx').on(t.checkoutSessionId), index('newsletter_signups_supporter_idx').on(t.supporterId)],
);

/** Free-form labels staff put on supporters (e.g. 企業, イベント参加). */
export const supporterTags = pgTable(
  'supporter_tags',
  {
    supporterId: uuid('supporter_id')
      .notNull()
      .references(() => supporters.id),
    tag: text('tag').notNull(),
    createdAt: recordedAt('created_at'),
  },
  (t) => [primaryKey({ columns: [t.supporterId, t.tag] }), index('supporter_tags_tag_idx').on(t.tag)],
);

/** The notes timeline on a supporter. */
export const supporterNotes = pgTable(
  'supporter_notes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    supporterId: uuid('supporter_id')
      .notNull()
      .references(() => supporters.id),
    staffId: uuid('staff_id'),
    body: text('body').notNull(),
    createdAt: recordedAt('created_at'),
  },
  (t) => [index('supporter_notes_supporter_idx').on(t.supporterId, t.createdAt)],
);

/** Each merge of a duplicate into the supporter kept, with a snapshot of the one merged away. */
export const supporterMerges = pgTable('supporter_merges', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  keptId: uuid('kept_id')
    .notNull()
    .references(() => supporters.id),
  mergedId: uuid('merged_id').notNull(),
  snapshot: jsonb('snapshot').notNull(),
  staffId: uuid('staff_id'),
  createdAt: recordedAt('created_at'),
});

/** A supporter's request to erase their personal data; staff confirm or decline it. */
export const deletionRequests = pgTable(
  'deletion_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    supporterId: uuid('supporter_id')
      .notNull()
      .references(() => supporters.id),
    status: text('status', { enum: ['pending', 'completed', 'declined'] })
      .notNull()
      .default('pending'),
    requestedAt: recordedAt('requested_at'),
    decidedBy: uuid('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
  },
  // At most one open request per supporter.
  (t) => [
    uniqueIndex('deletion_requests_pending_key')
      .on(t.supporterId)
      .where(sql`status = 'pending'`),
  ],
);
