import { bigserial, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { recordedAt } from './columns';
import { subscriptions } from './giving';
import { supporters } from './supporters';

/**
 * Sign-in links for My page. Every request gets a row, known address or not (so both take the same
 * path); the job that sends the link fills in the supporter and the token's hash and forgets the email.
 */
export const loginLinks = pgTable(
  'login_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The address asked for, until the job has looked it up (then cleared). */
    emailNormalized: text('email_normalized'),
    supporterId: uuid('supporter_id').references(() => supporters.id),
    /** sha256 of the token in the emailed link; the token itself is never stored. */
    tokenHash: text('token_hash'),
    ip: text('ip'),
    requestedAt: recordedAt('requested_at'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('login_links_token_key').on(t.tokenHash), index('login_links_supporter_idx').on(t.supporterId)],
);

/** The optional reason a supporter gives when they stop monthly giving from My page. */
export const cancellationReasons = pgTable(
  'cancellation_reasons',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    supporterId: uuid('supporter_id')
      .notNull()
      .references(() => supporters.id),
    subscriptionId: uuid('subscription_id').references(() => subscriptions.id),
    reason: text('reason').notNull(),
    createdAt: recordedAt('created_at'),
  },
  (t) => [index('cancellation_reasons_supporter_idx').on(t.supporterId)],
);
