import { and, desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { annualReceiptCounters, annualReceipts } from '../../db/schema';
import { givingInYear, type YearGiving } from './year-giving';

export type AnnualReceipt = typeof annualReceipts.$inferSelect;

/** The next combined receipt number of the year: A2026-00001, A2026-00002, … */
async function nextNumber(tx: Tx, year: number): Promise<string> {
  const [row] = await tx
    .insert(annualReceiptCounters)
    .values({ year, last: 1 })
    .onConflictDoUpdate({ target: annualReceiptCounters.year, set: { last: sql`${annualReceiptCounters.last} + 1` } })
    .returning({ last: annualReceiptCounters.last });
  return `A${year}-${String(row!.last).padStart(5, '0')}`;
}

/** Serialises issuing and reissuing for one supporter and year until the transaction ends. */
async function lockSupporterYear(tx: Tx, supporterId: string, year: number): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`annual-receipt:${supporterId}:${year}`}))`);
}

/** The supporter's valid combined receipt of the year, if one was issued. */
export async function findValidReceipt(tx: Tx, supporterId: string, year: number): Promise<AnnualReceipt | undefined> {
  const [row] = await tx
    .select()
    .from(annualReceipts)
    .where(and(eq(annualReceipts.supporterId, supporterId), eq(annualReceipts.year, year), eq(annualReceipts.status, 'valid')));
  return row;
}

/**
 * The supporter's valid receipt of the year, issued now when there is none (its totals from `giving`
 * when the caller has read it). Safe to call again and at once from two workers: the (supporter, year)
 * lock and the one-valid-receipt index keep it to one.
 */
export async function receiptFor(tx: Tx, supporterId: string, year: number, known?: YearGiving): Promise<AnnualReceipt> {
  const existing = await findValidReceipt(tx, supporterId, year);
  if (existing) return existing;
  return tx.transaction(async (inner) => {
    await lockSupporterYear(inner, supporterId, year);
    const again = await findValidReceipt(inner, supporterId, year);
    if (again) return again;
    const giving = known ?? (await givingInYear(inner, supporterId, year));
    const [row] = await inner
      .insert(annualReceipts)
      .values({ supporterId, year, number: await nextNumber(inner, year), total: giving.total, giftCount: giving.giftCount })
      .returning();
    return row!;
  });
}

/** Voids the valid receipt of the year and issues a new number that names the one it replaces. */
export async function reissueReceipt(tx: Tx, supporterId: string, year: number): Promise<{ receipt: AnnualReceipt; voided: AnnualReceipt | undefined }> {
  return tx.transaction(async (inner) => {
    await lockSupporterYear(inner, supporterId, year);
    const [voided] = await inner
      .update(annualReceipts)
      .set({ status: 'void', voidedAt: sql`now()` })
      .where(and(eq(annualReceipts.supporterId, supporterId), eq(annualReceipts.year, year), eq(annualReceipts.status, 'valid')))
      .returning();
    const giving = await givingInYear(inner, supporterId, year);
    const [receipt] = await inner
      .insert(annualReceipts)
      .values({ supporterId, year, number: await nextNumber(inner, year), total: giving.total, giftCount: giving.giftCount, replacesId: voided?.id ?? null })
      .returning();
    return { receipt: receipt!, voided };
  });
}

/** Every combined receipt of the supporter (valid and void), newest year first. */
export async function listReceiptsOf(tx: Tx, supporterId: string): Promise<AnnualReceipt[]> {
  return tx.select().from(annualReceipts).where(eq(annualReceipts.supporterId, supporterId)).orderBy(desc(annualReceipts.year), desc(annualReceipts.issuedAt));
}

export async function findReceiptById(tx: Tx, id: string): Promise<AnnualReceipt | undefined> {
  const [row] = await tx.select().from(annualReceipts).where(eq(annualReceipts.id, id));
  return row;
}
