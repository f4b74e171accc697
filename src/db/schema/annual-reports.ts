import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { recordedAt } from './columns';
import { sql } from 'drizzle-orm';
import { newsletters } from './newsletters';
import { staff } from './staff';
import { supporters } from './supporters';

/** One figure of the organisation's year: "就職した人 / People hired: 37". */
export interface ImpactFigure {
  labelJa: string;
  labelEn: string;
  value: number;
}

/**
 * A year's impact report: the organisation's figures and a short narrative in both languages. Prepared
 * as a draft (by staff, or by the January schedule), sent only when a person starts the send; the send
 * itself is a `newsletters` row of kind `annual_report` and its deliveries.
 */
export const annualReports = pgTable('annual_reports', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** The calendar year reported on (January–December, Asia/Tokyo). */
  year: integer('year').notNull().unique(),
  figures: jsonb('figures').$type<ImpactFigure[]>().notNull().default([]),
  narrativeJa: text('narrative_ja').notNull().default(''),
  narrativeEn: text('narrative_en').notNull().default(''),
  /** Set when staff start the send. */
  newsletterId: uuid('newsletter_id').references(() => newsletters.id),
  /** Null when the January schedule prepared the draft. */
  preparedBy: uuid('prepared_by').references(() => staff.id),
  createdAt: recordedAt('created_at'),
  updatedAt: recordedAt('updated_at'),
});

/**
 * Combined receipts (合計領収書): one valid receipt per supporter and year, numbered per year
 * (A2026-00001). Reissuing voids the old row and issues a new number that names the one it replaces.
 */
export const annualReceipts = pgTable(
  'annual_receipts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    supporterId: uuid('supporter_id')
      .notNull()
      .references(() => supporters.id),
    year: integer('year').notNull(),
    number: text('number').notNull().unique(),
    status: text('status', { enum: ['valid', 'void'] })
      .notNull()
      .default('valid'),
    /** The year's total (yen, refunds taken off) and gifts when the receipt was issued. */
    total: integer('total').notNull(),
    giftCount: integer('gift_count').notNull(),
    replacesId: uuid('replaces_id'),
    issuedAt: recordedAt('issued_at'),
    voidedAt: timestamp('voided_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('annual_receipts_valid_key')
      .on(t.supporterId, t.year)
      .where(sql`${t.status} = 'valid'`),
    index('annual_receipts_supporter_idx').on(t.supporterId, t.year),
  ],
);

/** Per-year counter of combined receipt numbers. */
export const annualReceiptCounters = pgTable('annual_receipt_counters', {
  year: integer('year').primaryKey(),
  last: integer('last').notNull(),
});
