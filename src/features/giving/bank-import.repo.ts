import { and, asc, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { bankImportLines, bankImports, donations, staff, supporters } from '../../db/schema';
import { fillSearchKeys } from '../../db/search-keys';
import { hitColumns, type SupporterHit } from './offline-gifts.repo';
import type { MatchCandidate } from './payer-match';

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

export type PayerCandidate = SupporterHit & MatchCandidate;

/**
 * The supporters (not merged away) these payer names may be: whoever has a name key among `keys`
 * (the GIN index of name_keys) or paid under one of `payers` before (donations_payer_name_idx), with
 * their current monthly plans. Index lookups only: a statement's candidates, not every supporter.
 */
export async function findPayerCandidates(tx: Tx, keys: string[], payers: string[]): Promise<PayerCandidate[]> {
  if (keys.length === 0 && payers.length === 0) return [];
  await fillSearchKeys(tx);
  // Each list travels as one parameter (a statement has ~900 keys), split back into an array by the server.
  const asArray = (values: string[]) => sql`string_to_array(${[...new Set(values)].join('\u001f')}, chr(31))`;
  const paid = payers.length
    ? await tx
        .selectDistinct({ supporterId: donations.supporterId, payerName: donations.payerName })
        .from(donations)
        .where(and(sql`${donations.payerName} = any(${asArray(payers)})`, eq(donations.entry, 'gift')))
    : [];
  const paidAs = new Map<string, string[]>();
  for (const p of paid) paidAs.set(p.supporterId, [...(paidAs.get(p.supporterId) ?? []), p.payerName!]);
  const byKey = keys.length ? sql`${supporters.nameKeys} && ${asArray(keys)}` : sql`false`;
  const byPayment = paidAs.size ? sql`${supporters.id} = any(${asArray([...paidAs.keys()])}::uuid[])` : sql`false`;
  // Current monthly plans in the same pass (a correlated lookup on subscriptions_supporter_idx).
  const plans = sql<
    number[]
  >`array(select x.amount from subscriptions x where x.supporter_id = ${sql.raw('"supporters"."id"')} and x.status in ('active', 'past_due', 'trialing'))`;
  const people = await tx
    .select({ ...hitColumns, nameKeys: supporters.nameKeys, planAmounts: plans })
    .from(supporters)
    .where(and(isNull(supporters.mergedIntoId), or(byKey, byPayment)));
  return people.map((p) => ({ ...p, nameKeys: p.nameKeys ?? [], planAmounts: (p.planAmounts ?? []).map(Number), paidAs: paidAs.get(p.id) ?? [] }));
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
