import { and, asc, desc, eq, inArray, isNull, or, isNotNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { bankImportLines, bankImports, donations, staff, subscriptions, supporters } from '../../db/schema';
import { hitColumns, type SupporterHit } from './offline-gifts.repo';

export type BankImport = typeof bankImports.$inferSelect;
export type BankImportLine = typeof bankImportLines.$inferSelect;
export type NewBankImportLine = typeof bankImportLines.$inferInsert;

/** The import of a file with this SHA-256, if it was uploaded before. */
export async function findImportBySha(tx: Tx, sha256: string): Promise<BankImport | undefined> {
  const [row] = await tx.select().from(bankImports).where(eq(bankImports.fileSha256, sha256));
  return row;
}

/** Inserts the import unless the same file (by SHA-256) is stored already; returns it only when inserted. */
export async function insertImportOnce(tx: Tx, row: typeof bankImports.$inferInsert): Promise<BankImport | undefined> {
  const [inserted] = await tx.insert(bankImports).values(row).onConflictDoNothing({ target: bankImports.fileSha256 }).returning();
  return inserted;
}

/** Stores the lines of an import (in chunks, so a long statement stays within parameter limits). */
export async function insertImportLines(tx: Tx, rows: NewBankImportLine[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await tx.insert(bankImportLines).values(rows.slice(i, i + 500));
}

/** One import with the name of the staff member who uploaded it. */
export async function findImport(tx: Tx, id: string): Promise<(BankImport & { uploadedByName: string | null }) | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const [row] = await tx
    .select({ imp: bankImports, uploadedByName: staff.name })
    .from(bankImports)
    .leftJoin(staff, eq(staff.id, bankImports.uploadedBy))
    .where(eq(bankImports.id, id));
  return row ? { ...row.imp, uploadedByName: row.uploadedByName } : undefined;
}

/** Locks the import until the end of the transaction: two confirms of one statement apply in turn. */
export async function lockImport(tx: Tx, id: string): Promise<BankImport | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const [row] = await tx.select().from(bankImports).where(eq(bankImports.id, id)).for('update');
  return row;
}

export interface ImportSummary extends BankImport {
  lines: number;
  pending: number;
  recorded: number;
}

/** The latest imports with their line counts, newest first. */
export async function listImports(tx: Tx, limit = 50): Promise<ImportSummary[]> {
  const rows = await tx
    .select({
      imp: bankImports,
      lines: sql<number>`count(${bankImportLines.id})`.mapWith(Number),
      pending: sql<number>`count(*) filter (where ${bankImportLines.status} = 'pending')`.mapWith(Number),
      recorded: sql<number>`count(*) filter (where ${bankImportLines.status} = 'recorded')`.mapWith(Number),
    })
    .from(bankImports)
    .leftJoin(bankImportLines, eq(bankImportLines.importId, bankImports.id))
    .groupBy(bankImports.id)
    .orderBy(desc(bankImports.uploadedAt))
    .limit(limit);
  return rows.map((r) => ({ ...r.imp, lines: r.lines, pending: r.pending, recorded: r.recorded }));
}

/** The lines of an import in file order. */
export async function listImportLines(tx: Tx, importId: string): Promise<BankImportLine[]> {
  return tx.select().from(bankImportLines).where(eq(bankImportLines.importId, importId)).orderBy(asc(bankImportLines.lineNo));
}

/** One line of an import (undefined for a line of another import). */
export async function findImportLine(tx: Tx, importId: string, lineId: string): Promise<BankImportLine | undefined> {
  if (!/^\d{1,15}$/.test(lineId)) return undefined;
  const [row] = await tx
    .select()
    .from(bankImportLines)
    .where(and(eq(bankImportLines.importId, importId), eq(bankImportLines.id, Number(lineId))));
  return row;
}

/** Sets a line's status, recorded gift or chosen supporter (import lines are a worklist, not the ledger). */
export async function updateImportLine(tx: Tx, lineId: number, changes: Partial<Pick<BankImportLine, 'status' | 'donationId' | 'suggestedSupporterId'>>): Promise<void> {
  await tx.update(bankImportLines).set(changes).where(eq(bankImportLines.id, lineId));
}

/** Marks an import done once none of its lines wait for a decision. */
export async function markImportConfirmed(tx: Tx, id: string): Promise<void> {
  await tx
    .update(bankImports)
    .set({ status: 'confirmed', confirmedAt: sql`coalesce(${bankImports.confirmedAt}, now())` })
    .where(eq(bankImports.id, id));
}

/** The fingerprints among these that a ledger row carries already. */
export async function findBookedFingerprints(tx: Tx, fingerprints: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < fingerprints.length; i += 500) {
    const rows = await tx
      .select({ f: donations.bankFingerprint })
      .from(donations)
      .where(inArray(donations.bankFingerprint, fingerprints.slice(i, i + 500)));
    for (const r of rows) if (r.f) found.add(r.f);
  }
  return found;
}

export type KanaSupporter = SupporterHit & { planAmounts: number[] };

/**
 * Every supporter with フリガナ (not merged away) and the amounts of their current monthly plans:
 * what a payer name is matched against. A few thousand short rows for an organisation this size.
 */
export async function listKanaSupporters(tx: Tx): Promise<KanaSupporter[]> {
  const people = await tx
    .select(hitColumns)
    .from(supporters)
    .where(and(isNull(supporters.mergedIntoId), or(isNotNull(supporters.familyNameKana), isNotNull(supporters.givenNameKana))));
  const plans = await tx
    .select({ supporterId: subscriptions.supporterId, amount: subscriptions.amount })
    .from(subscriptions)
    .where(inArray(subscriptions.status, ['active', 'past_due', 'trialing']));
  const amounts = new Map<string, number[]>();
  for (const p of plans) amounts.set(p.supporterId, [...(amounts.get(p.supporterId) ?? []), p.amount]);
  return people.map((p) => ({ ...p, planAmounts: amounts.get(p.id) ?? [] }));
}

/** The ids among these that are supporters still in use (not merged into another). */
export async function findUsableSupporterIds(tx: Tx, ids: string[]): Promise<Set<string>> {
  const valid = [...new Set(ids)].filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (valid.length === 0) return new Set();
  const rows = await tx
    .select({ id: supporters.id })
    .from(supporters)
    .where(and(inArray(supporters.id, valid), isNull(supporters.mergedIntoId)));
  return new Set(rows.map((r) => r.id));
}
