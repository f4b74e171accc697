import { sql } from 'drizzle-orm';
import { bigserial, boolean, date, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { recordedAt } from './columns';
import { supporters } from './supporters';

/** Monthly giving, mirrored from Stripe (Stripe is the source of truth; rows are re-read, never guessed). */
export const subscriptions = pgTable(
  'subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    supporterId: uuid('supporter_id')
      .notNull()
      .references(() => supporters.id),
    stripeSubscriptionId: text('stripe_subscription_id').notNull(),
    stripeCustomerId: text('stripe_customer_id').notNull(),
    stripePriceId: text('stripe_price_id'),
    /** Stripe's status: incomplete, active, past_due, unpaid, canceled, … */
    status: text('status').notNull(),
    amount: integer('amount').notNull(),
    currentPeriodEnd: timestamp('current_period_end', { withTimezone: true }),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    /** When a scheduled stop takes effect (Stripe's cancel_at; the period end for cancel_at_period_end). */
    cancelAt: timestamp('cancel_at', { withTimezone: true }),
    /** When the stop was requested (Stripe's canceled_at: set at scheduling time, not at the end). */
    canceledAt: timestamp('canceled_at', { withTimezone: true }),
    /** When it actually ended (Stripe's ended_at). */
    endedAt: timestamp('ended_at', { withTimezone: true }),
    createdAt: recordedAt('created_at'),
    updatedAt: recordedAt('updated_at'),
  },
  (t) => [uniqueIndex('subscriptions_stripe_key').on(t.stripeSubscriptionId), index('subscriptions_supporter_idx').on(t.supporterId)],
);

/**
 * The history of a subscription, one row per change Stripe reported: started, plan changed, stop
 * scheduled or undone, ended. Keyed by the Stripe event (a re-delivered or reordered webhook writes nothing twice).
 */
export const subscriptionEvents = pgTable(
  'subscription_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => subscriptions.id),
    stripeEventId: text('stripe_event_id').notNull(),
    kind: text('kind', { enum: ['started', 'plan_changed', 'cancel_scheduled', 'cancel_undone', 'ended'] }).notNull(),
    /** The monthly amount after the change (integer yen). */
    amount: integer('amount').notNull(),
    /** For a plan change: the amount before it. */
    previousAmount: integer('previous_amount'),
    /** When it takes effect: the next charge for a plan change, the stop date for a scheduled or ended stop. */
    effectiveAt: timestamp('effective_at', { withTimezone: true }),
    /** When Stripe made the change (the event's `created`). */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    createdAt: recordedAt('created_at'),
  },
  (t) => [uniqueIndex('subscription_events_stripe_event_key').on(t.stripeEventId, t.kind), index('subscription_events_subscription_idx').on(t.subscriptionId, t.occurredAt)],
);

/**
 * The donation ledger, every channel. Gifts are positive rows; refunds, disputes and reversals are
 * their own negative rows pointing at the gift. Rows are never edited to change money.
 */
export const donations = pgTable(
  'donations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    supporterId: uuid('supporter_id')
      .notNull()
      .references(() => supporters.id),
    entry: text('entry', { enum: ['gift', 'refund', 'dispute', 'reversal'] }).notNull(),
    /** Integer yen; negative for refunds, disputes and reversals. */
    amount: integer('amount').notNull(),
    /** Stripe fee (from the balance transaction); null until known or for offline gifts. */
    fee: integer('fee'),
    net: integer('net'),
    method: text('method').notNull(),
    frequency: text('frequency', { enum: ['monthly', 'one_time'] }).notNull(),
    /** The monthly plan (¥) the gift belongs to. */
    planAmount: integer('plan_amount'),
    subscriptionId: uuid('subscription_id').references(() => subscriptions.id),
    stripeInvoiceId: text('stripe_invoice_id'),
    stripePaymentIntentId: text('stripe_payment_intent_id'),
    stripeChargeId: text('stripe_charge_id'),
    stripeRefundId: text('stripe_refund_id'),
    stripeDisputeId: text('stripe_dispute_id'),
    /** For refunds, disputes and reversals: the gift they take back. */
    relatedDonationId: uuid('related_donation_id'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    /** The day in Asia/Tokyo: what finance and receipts use. */
    receivedOn: date('received_on').notNull(),
    receiptNumber: text('receipt_number'),
    note: text('note'),
    /** stripe, or offline (bank transfer, cash, corporate gift recorded by staff). */
    channel: text('channel', { enum: ['stripe', 'offline'] })
      .notNull()
      .default('stripe'),
    /** The payer as the bank wrote it (katakana), for transfers. */
    payerName: text('payer_name'),
    recordedBy: uuid('recorded_by'),
    /** For bank statement lines: date|amount|payer|occurrence, so a statement imported twice records nothing twice. */
    bankFingerprint: text('bank_fingerprint'),
    createdAt: recordedAt('created_at'),
  },
  (t) => [
    // One gift per Stripe payment, however many events mention it.
    uniqueIndex('donations_gift_charge_key')
      .on(t.stripeChargeId)
      .where(sql`entry = 'gift'`),
    uniqueIndex('donations_gift_invoice_key')
      .on(t.stripeInvoiceId)
      .where(sql`entry = 'gift'`),
    uniqueIndex('donations_gift_payment_intent_key')
      .on(t.stripePaymentIntentId)
      .where(sql`entry = 'gift'`),
    uniqueIndex('donations_refund_key').on(t.stripeRefundId),
    uniqueIndex('donations_dispute_key').on(t.stripeDisputeId),
    uniqueIndex('donations_receipt_number_key').on(t.receiptNumber),
    uniqueIndex('donations_bank_fingerprint_key').on(t.bankFingerprint),
    // A gift is reversed at most once.
    uniqueIndex('donations_reversal_key')
      .on(t.relatedDonationId)
      .where(sql`entry = 'reversal'`),
    index('donations_supporter_idx').on(t.supporterId, t.receivedAt),
    // Bank import review: who paid under this payer name before.
    index('donations_payer_name_idx')
      .on(t.payerName, t.supporterId)
      .where(sql`payer_name is not null`),
    index('donations_received_on_idx').on(t.receivedOn),
    // Exports read the ledger in (day, id) order, a page at a time.
    index('donations_received_on_id_idx').on(t.receivedOn, t.id),
    // A gift's refunds, disputes and reversals, for its status and refunded amount.
    index('donations_related_idx').on(t.relatedDonationId),
  ],
);

/** Receipt numbers are sequential per calendar year (Asia/Tokyo): 2026-000001, … */
export const receiptCounters = pgTable('receipt_counters', {
  year: integer('year').primaryKey(),
  last: integer('last').notNull(),
});

/** Checkout sessions we started, so the thanks page can show their confirmed state. */
export const checkoutSessions = pgTable(
  'checkout_sessions',
  {
    id: text('id').primaryKey(),
    supporterId: uuid('supporter_id')
      .notNull()
      .references(() => supporters.id),
    mode: text('mode', { enum: ['subscription', 'payment'] }).notNull(),
    amount: integer('amount').notNull(),
    locale: text('locale').notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    createdAt: recordedAt('created_at'),
  },
  (t) => [index('checkout_sessions_supporter_idx').on(t.supporterId)],
);

/** An uploaded bank statement (CSV); its lines wait for review before anything is recorded. */
export const bankImports = pgTable(
  'bank_imports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    fileSha256: text('file_sha256').notNull(),
    filename: text('filename').notNull(),
    encoding: text('encoding').notNull(),
    status: text('status', { enum: ['review', 'confirmed'] })
      .notNull()
      .default('review'),
    uploadedBy: uuid('uploaded_by'),
    uploadedAt: recordedAt('uploaded_at'),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('bank_imports_sha_key').on(t.fileSha256)],
);

export const bankImportLines = pgTable(
  'bank_import_lines',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    importId: uuid('import_id')
      .notNull()
      .references(() => bankImports.id),
    lineNo: integer('line_no').notNull(),
    receivedOn: date('received_on').notNull(),
    amount: integer('amount').notNull(),
    payerName: text('payer_name').notNull(),
    /** Same date, amount and payer as another line: 2nd, 3rd… occurrence in the statement. */
    fingerprint: text('fingerprint').notNull(),
    suggestedSupporterId: uuid('suggested_supporter_id'),
    status: text('status', { enum: ['pending', 'recorded', 'skipped', 'duplicate'] })
      .notNull()
      .default('pending'),
    donationId: uuid('donation_id'),
  },
  (t) => [uniqueIndex('bank_import_lines_line_key').on(t.importId, t.lineNo)],
);
