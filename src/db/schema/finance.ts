import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { recordedAt } from './columns';
import { staff } from './staff';

/** One characters-replaced line of an export's report: what the chosen encoding could not hold. */
export interface ReplacedCharacter {
  char: string;
  /** U+XXXX, so the report reads the same whatever font shows it. */
  codePoint: string;
  replacement: string;
  count: number;
  /** Where it was first seen: a receipt number or supporter id and the column. */
  example: string;
}

/** Every finance export, from the console or the command line: who, what, when, how many rows. */
export const exportRuns = pgTable(
  'export_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['donations', 'monthly_summary', 'address_labels'] }).notNull(),
    /** Null when run from the command line. */
    staffId: uuid('staff_id').references(() => staff.id),
    source: text('source', { enum: ['console', 'cli'] }).notNull(),
    /** The request: dates, format, encoding, filters. */
    params: jsonb('params').notNull(),
    /** running → done, or aborted when the download was cut off, failed on an error. */
    status: text('status', { enum: ['running', 'done', 'aborted', 'failed'] })
      .notNull()
      .default('running'),
    rowCount: integer('row_count').notNull().default(0),
    replacements: jsonb('replacements').$type<ReplacedCharacter[]>().notNull().default([]),
    startedAt: recordedAt('started_at'),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('export_runs_started_idx').on(t.startedAt)],
);

/** One difference between Stripe and the ledger found by a reconciliation run. */
export interface ReconciliationFinding {
  /** missing_in_ledger: Stripe has it, the ledger does not; missing_in_stripe: the reverse; amount_differs: both, different yen. */
  kind: 'missing_in_ledger' | 'missing_in_stripe' | 'amount_differs';
  object: 'charge' | 'invoice' | 'refund' | 'dispute';
  stripeId: string;
  donationId?: string;
  stripeAmount?: number;
  ledgerAmount?: number;
  /** When it happened (ISO), from Stripe or the ledger. */
  at: string;
  supporterId?: string;
}

/** Each comparison of Stripe's charges, refunds and invoices with the ledger (nightly, or from the console). */
export const reconciliationRuns = pgTable(
  'reconciliation_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    trigger: text('trigger', { enum: ['schedule', 'staff'] }).notNull(),
    requestedBy: uuid('requested_by').references(() => staff.id),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    windowEnd: timestamp('window_end', { withTimezone: true }).notNull(),
    /** running → matched | mismatched, or failed (Stripe unreachable…; error says why). */
    status: text('status', { enum: ['running', 'matched', 'mismatched', 'failed'] })
      .notNull()
      .default('running'),
    /** How many objects were compared on each side, e.g. { charges: 120, refunds: 2, invoices: 100, ledgerRows: 122 }. */
    checked: jsonb('checked').$type<Record<string, number>>().notNull().default({}),
    findings: jsonb('findings').$type<ReconciliationFinding[]>().notNull().default([]),
    error: text('error'),
    /** Set when staff replayed the Stripe events behind the missing items. */
    replayedAt: timestamp('replayed_at', { withTimezone: true }),
    replayedBy: uuid('replayed_by').references(() => staff.id),
    startedAt: recordedAt('started_at'),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('reconciliation_runs_started_idx').on(t.startedAt)],
);
