import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { sessions, staff } from '../../db/schema';

export type StaffMember = typeof staff.$inferSelect;

export async function findStaffByEmail(tx: Tx, emailNormalized: string): Promise<StaffMember | undefined> {
  const [row] = await tx.select().from(staff).where(eq(staff.emailNormalized, emailNormalized));
  return row;
}

export async function findStaffById(tx: Tx, id: string): Promise<StaffMember | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await tx.select().from(staff).where(eq(staff.id, id));
  return row;
}

export async function countStaff(tx: Tx): Promise<number> {
  const [row] = await tx.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(staff);
  return row?.n ?? 0;
}

/** Serialises the first-admin check across processes until the transaction ends (PostgreSQL and PGlite). */
export async function lockFirstAdmin(tx: Tx): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('welgee:first-admin'))`);
}

export async function insertStaff(tx: Tx, row: typeof staff.$inferInsert): Promise<StaffMember> {
  const [created] = await tx.insert(staff).values(row).returning();
  return created!;
}

export async function updateStaff(tx: Tx, id: string, changes: Partial<typeof staff.$inferInsert>): Promise<void> {
  await tx.update(staff).set(changes).where(eq(staff.id, id));
}

/** Counts a failed sign-in; locks the account for lockMs once maxFailures is reached. */
export async function recordFailedLogin(tx: Tx, id: string, maxFailures: number, lockMs: number): Promise<void> {
  await tx
    .update(staff)
    .set({
      failedLogins: sql`${staff.failedLogins} + 1`,
      lockedUntil: sql`case when ${staff.failedLogins} + 1 >= ${maxFailures} then now() + ${`${Math.round(lockMs / 1000)} seconds`}::interval else ${staff.lockedUntil} end`,
    })
    .where(eq(staff.id, id));
}

/** Ends every stored session of a staff member. */
export async function deleteSessionsOf(tx: Tx, staffId: string): Promise<void> {
  await tx.delete(sessions).where(sql`${sessions.data}->>'staffId' = ${staffId}`);
}
