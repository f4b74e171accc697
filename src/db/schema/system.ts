import { sql } from 'drizzle-orm';
import { bigserial, customType, index, integer, uniqueIndex, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { recordedAt } from './columns';

/** Organisation settings, one row per section (see config/organisation.ts for the shapes). */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: recordedAt('updated_at'),
});

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

/** Images uploaded in settings (the receipt seal 角印, the link-preview image), checked by their first bytes. */
export const settingImages = pgTable('setting_images', {
  key: text('key').primaryKey(),
  contentType: text('content_type').notNull(),
  bytes: bytea('bytes').notNull(),
  /** Hex SHA-256 of the bytes: the public image's URL carries it, so it can be cached for good. */
  sha256: text('sha256').notNull(),
  updatedAt: recordedAt('updated_at'),
});

/**
 * Transactional outbox: a job written in the same transaction as the change that causes it.
 * The dispatcher moves committed rows into BullMQ (job id `outbox-<id>`, so a re-dispatch is a no-op).
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobName: text('job_name').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: recordedAt('created_at'),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** The request (or the job it caused) that wrote the row; the job carries it on for its logs. */
    requestId: text('request_id'),
  },
  (t) => [
    index('outbox_pending_idx')
      .on(t.id)
      .where(sql`dispatched_at IS NULL`),
  ],
);

/** Every email the app sends, written before it is sent; the send-email job renders and delivers it. */
export const emails = pgTable(
  'emails',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    template: text('template').notNull(),
    toAddress: text('to_address').notNull(),
    locale: text('locale').notNull(),
    params: jsonb('params').notNull().default({}),
    supporterId: text('supporter_id'),
    /** When set, a second email with the same key is never written (welcome once per subscription, …). */
    dedupeKey: text('dedupe_key'),
    status: text('status', { enum: ['queued', 'sent', 'failed'] })
      .notNull()
      .default('queued'),
    messageId: text('message_id'),
    error: text('error'),
    createdAt: recordedAt('created_at'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** When sending failed for good (a 5xx answer, no usable recipient); shown on the supporter's page. */
    failedAt: timestamp('failed_at', { withTimezone: true }),
  },
  (t) => [index('emails_supporter_idx').on(t.supporterId), uniqueIndex('emails_dedupe_key').on(t.dedupeKey)],
);

/** Server-side sessions (staff console, My page); anonymous visitors get none. */
export const sessions = pgTable(
  'sessions',
  {
    sid: text('sid').primaryKey(),
    data: jsonb('data').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_expires_idx').on(t.expiresAt)],
);
