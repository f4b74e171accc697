import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { emails } from '../../db/schema';
import { now } from '../../lib/clock';

export type EmailRow = typeof emails.$inferSelect;
export type NewEmail = typeof emails.$inferInsert;

/** Inserts an email; undefined when its dedupe key is taken. */
export async function insertEmail(tx: Tx, email: NewEmail): Promise<number | undefined> {
  const [row] = await tx.insert(emails).values(email).onConflictDoNothing().returning({ id: emails.id });
  return row?.id;
}

export async function findEmail(tx: Tx, id: number): Promise<EmailRow | undefined> {
  const [row] = await tx.select().from(emails).where(eq(emails.id, id));
  return row;
}

/** Marks a queued email sent; returns false when it was no longer queued. */
export async function markEmailSent(tx: Tx, id: number, messageId: string): Promise<boolean> {
  const rows = await tx
    .update(emails)
    .set({ status: 'sent', messageId, sentAt: now(), error: null })
    .where(and(eq(emails.id, id), eq(emails.status, 'queued')))
    .returning({ id: emails.id });
  return rows.length > 0;
}

/** Marks an email failed for good (no retry); the supporter's console page shows it. */
export async function markEmailFailed(tx: Tx, id: number, error: string): Promise<void> {
  await tx
    .update(emails)
    .set({ status: 'failed', error: error.slice(0, 1000), failedAt: now() })
    .where(eq(emails.id, id));
}

export async function recordEmailError(tx: Tx, id: number, error: string): Promise<void> {
  await tx
    .update(emails)
    .set({ error: error.slice(0, 1000) })
    .where(eq(emails.id, id));
}
