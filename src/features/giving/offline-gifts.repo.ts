import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withoutControlCharacters } from '../../lib/text';
import { donations, staff, supporters } from '../../db/schema';
import { fillSearchKeys } from '../../db/search-keys';
import { searchWords } from '../../lib/name-key';
import type { Donation } from './ledger.repo';

export type SupporterHit = Pick<
  typeof supporters.$inferSelect,
  'id' | 'kind' | 'familyName' | 'givenName' | 'familyNameKana' | 'givenNameKana' | 'organisationName' | 'email' | 'status'
>;

/** The columns of a supporter shown in pickers and match suggestions. */
export const hitColumns = {
  id: supporters.id,
  kind: supporters.kind,
  familyName: supporters.familyName,
  givenName: supporters.givenName,
  familyNameKana: supporters.familyNameKana,
  givenNameKana: supporters.givenNameKana,
  organisationName: supporters.organisationName,
  email: supporters.email,
  status: supporters.status,
};

/** Supporters (not merged away) whose names, kana, email or organisation contain every word of the term. */
export async function searchSupporters(tx: Tx, term: string, limit = 20): Promise<SupporterHit[]> {
  // Control characters never occur in stored names (and NUL would fail the query): they separate words.
  const words = searchWords(withoutControlCharacters(term)).slice(0, 5);
  if (words.length === 0) return [];
  await fillSearchKeys(tx);
  const conditions = words.map((w) => sql`${supporters.searchKey} like ${`%${w.replace(/[%_\\]/g, '\\$&')}%`}`);
  return tx
    .select(hitColumns)
    .from(supporters)
    .where(and(isNull(supporters.mergedIntoId), ...conditions))
    .orderBy(supporters.familyNameKana, supporters.familyName)
    .limit(limit);
}

/** Supporters by id (for showing choices already made). */
export async function findSupporterHits(tx: Tx, ids: string[]): Promise<SupporterHit[]> {
  const valid = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (valid.length === 0) return [];
  return tx.select(hitColumns).from(supporters).where(inArray(supporters.id, valid));
}

export interface OfflineEntry {
  donation: Donation;
  supporter: SupporterHit;
  recordedByName: string | null;
}

/** The latest offline ledger rows (gifts and their reversals), newest first. */
export async function listOfflineEntries(tx: Tx, limit = 50): Promise<OfflineEntry[]> {
  const rows = await tx
    .select({ donation: donations, supporter: hitColumns, recordedByName: staff.name })
    .from(donations)
    .innerJoin(supporters, eq(supporters.id, donations.supporterId))
    .leftJoin(staff, eq(staff.id, donations.recordedBy))
    .where(eq(donations.channel, 'offline'))
    .orderBy(desc(donations.createdAt))
    .limit(limit);
  return rows;
}

/** One ledger row with its supporter and who recorded it. */
export async function findEntry(tx: Tx, id: string): Promise<OfflineEntry | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const [row] = await tx
    .select({ donation: donations, supporter: hitColumns, recordedByName: staff.name })
    .from(donations)
    .innerJoin(supporters, eq(supporters.id, donations.supporterId))
    .leftJoin(staff, eq(staff.id, donations.recordedBy))
    .where(eq(donations.id, id));
  return row;
}

/** Locks a ledger row until the end of the transaction (two reversals of one gift apply in turn). */
export async function lockDonation(tx: Tx, id: string): Promise<Donation | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const [row] = await tx.select().from(donations).where(eq(donations.id, id)).for('update');
  return row;
}

/** The reversal of a gift, if it has one. */
export async function findReversalOf(tx: Tx, giftId: string): Promise<Donation | undefined> {
  const [row] = await tx
    .select()
    .from(donations)
    .where(and(eq(donations.relatedDonationId, giftId), eq(donations.entry, 'reversal')));
  return row;
}
