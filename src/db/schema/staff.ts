import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { recordedAt } from './columns';

/** People who use the staff console. Roles map to permissions in src/features/staff/permissions.ts. */
export const staff = pgTable(
  'staff',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    emailNormalized: text('email_normalized').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: ['admin', 'staff', 'finance'] }).notNull(),
    /** argon2id */
    passwordHash: text('password_hash').notNull(),
    totpSecret: text('totp_secret'),
    totpEnabled: boolean('totp_enabled').notNull().default(false),
    failedLogins: integer('failed_logins').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    /** Raised by "sign out everywhere": sessions carrying an older epoch end. */
    sessionEpoch: integer('session_epoch').notNull().default(0),
    isActive: boolean('is_active').notNull().default(true),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    createdAt: recordedAt('created_at'),
  },
  (t) => [uniqueIndex('staff_email_key').on(t.emailNormalized)],
);

/** Append-only record of what staff did (a trigger refuses UPDATE and DELETE). */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    staffId: uuid('staff_id'),
    /** e.g. login.success, login.failure, supporter.view, supporter.edit, supporter.merge, gift.record, export.create, access.denied */
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    detail: jsonb('detail').notNull().default({}),
    ip: text('ip'),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_staff_idx').on(t.staffId, t.at), index('audit_log_target_idx').on(t.targetType, t.targetId)],
);
