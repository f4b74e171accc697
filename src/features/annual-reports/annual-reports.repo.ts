import { desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { annualReports, type ImpactFigure } from '../../db/schema';

export type AnnualReport = typeof annualReports.$inferSelect;

export async function findReport(tx: Tx, year: number): Promise<AnnualReport | undefined> {
  const [row] = await tx.select().from(annualReports).where(eq(annualReports.year, year));
  return row;
}

/** The report of the year, locked until the transaction ends (one send start at a time). */
export async function lockReport(tx: Tx, year: number): Promise<AnnualReport | undefined> {
  const [row] = await tx.select().from(annualReports).where(eq(annualReports.year, year)).for('update');
  return row;
}

export async function listReports(tx: Tx): Promise<AnnualReport[]> {
  return tx.select().from(annualReports).orderBy(desc(annualReports.year));
}

/** Writes a draft for the year unless one exists; returns the year's report either way. */
export async function insertDraft(
  tx: Tx,
  values: { year: number; figures: ImpactFigure[]; narrativeJa: string; narrativeEn: string; preparedBy: string | null },
): Promise<{ report: AnnualReport; created: boolean }> {
  const [created] = await tx.insert(annualReports).values(values).onConflictDoNothing({ target: annualReports.year }).returning();
  if (created) return { report: created, created: true };
  return { report: (await findReport(tx, values.year))!, created: false };
}

export async function updateReportContent(tx: Tx, year: number, values: { figures: ImpactFigure[]; narrativeJa: string; narrativeEn: string }): Promise<void> {
  await tx
    .update(annualReports)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(annualReports.year, year));
}

export async function setReportSend(tx: Tx, year: number, newsletterId: string): Promise<void> {
  await tx
    .update(annualReports)
    .set({ newsletterId, updatedAt: sql`now()` })
    .where(eq(annualReports.year, year));
}
