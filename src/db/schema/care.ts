import { bigserial, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { recordedAt } from './columns';
import { supporters } from './supporters';

/** Free-form labels staff put on supporters (e.g. 企業, イベント参加). */
export const supporterTags = pgTable(
  'supporter_tags',
  {
    supporterId: uuid('supporter_id').notNull().references(() => supporters.id),
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
    supporterId: uuid('supporter_id').notNull().references(() => supporters.id),
    staffId: uuid('staff_id'),
    body: text('body').notNull(),
    createdAt: recordedAt('created_at'),
  },
  (t) => [index('supporter_notes_supporter_idx').on(t.supporterId, t.createdAt)],
);

/** Each merge of a duplicate into the supporter kept, with a snapshot of the one merged away. */
export const supporterMerges = pgTable('supporter_merges', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  keptId: uuid('kept_id').notNull().references(() => supporters.id),
  mergedId: uuid('merged_id').notNull(),
  snapshot: jsonb('snapshot').notNull(),
  staffId: uuid('staff_id'),
  createdAt: recordedAt('created_at'),
});

/** An uploaded bank statement (CSV); its lines wait for review before anything is recorded. */
export const bankImports = pgTable(
  'bank_imports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    fileSha256: text('file_sha256').notNull(),
    filename: text('filename').notNull(),
    encoding: text('encoding').notNull(),
    status: text('status', { enum: ['review', 'confirmed'] }).notNull().default('review'),
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
    importId: uuid('import_id').notNull().references(() => bankImports.id),
    lineNo: integer('line_no').notNull(),
    receivedOn: date('received_on').notNull(),
    amount: integer('amount').notNull(),
    payerName: text('payer_name').notNull(),
    /** Same date, amount and payer as another line: 2nd, 3rd… occurrence in the statement. */
    fingerprint: text('fingerprint').notNull(),
    suggestedSupporterId: uuid('suggested_supporter_id'),
    status: text('status', { enum: ['pending', 'recorded', 'skipped', 'duplicate'] }).notNull().default('pending'),
    donationId: uuid('donation_id'),
  },
  (t) => [uniqueIndex('bank_import_lines_line_key').on(t.importId, t.lineNo)],
);

