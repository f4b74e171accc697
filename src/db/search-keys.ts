// The one writer of supporters.search_key and supporters.name_keys (src/lib/name-key.ts).
//
// New supporters start without keys, and a trigger (migration 0012) empties them whenever a name or
// the email changes, however the row was written. fillSearchKeys writes every missing key; it runs
// after migrations (the backfill) and before each search or payer match, where a partial index makes
// "nothing to fill" one index probe.

import { sql } from 'drizzle-orm';
import { payerKeysOf, searchKeyOf } from '../lib/name-key';
import type { Tx } from './client';

const BATCH = 1000;

// What a key is computed from; compared again when writing, so a name changed meanwhile is left for the next fill.
const SOURCE = sql.raw(`md5(concat_ws(chr(31), family_name, given_name, family_name_kana, given_name_kana, organisation_name, email))`);

interface MissingRow {
  id: string;
  family_name: string;
  given_name: string;
  family_name_kana: string | null;
  given_name_kana: string | null;
  organisation_name: string | null;
  email: string;
  source: string;
}

/** Writes search_key and name_keys of every supporter who has none; returns how many were written. */
export async function fillSearchKeys(tx: Tx): Promise<number> {
  let written = 0;
  for (;;) {
    const result = (await tx.execute(sql`
      select id, family_name, given_name, family_name_kana, given_name_kana, organisation_name, email, ${SOURCE} as source
      from supporters where search_key is null order by id limit ${BATCH}`)) as unknown as { rows: MissingRow[] };
    const rows = result.rows;
    if (rows.length === 0) return written;
    const parts = rows.map((r) => ({
      familyName: r.family_name,
      givenName: r.given_name,
      familyNameKana: r.family_name_kana,
      givenNameKana: r.given_name_kana,
      organisationName: r.organisation_name,
      email: r.email,
    }));
    // One statement per batch; the keys travel as JSON (arrays of arrays do not bind as parameters).
    const values = JSON.stringify(rows.map((r, i) => ({ id: r.id, source: r.source, key: searchKeyOf(parts[i]!), names: payerKeysOf(parts[i]!) })));
    const updated = (await tx.execute(sql`
      update supporters s set search_key = v.key, name_keys = array(select jsonb_array_elements_text(v.names))
      from jsonb_to_recordset(${values}::jsonb) as v(id uuid, source text, key text, names jsonb)
      where s.id = v.id and s.search_key is null and md5(concat_ws(chr(31), s.family_name, s.given_name, s.family_name_kana, s.given_name_kana, s.organisation_name, s.email)) = v.source`)) as unknown as {
      rowCount?: number | null;
      affectedRows?: number;
    };
    written += Number(updated.rowCount ?? updated.affectedRows ?? 0);
    if (rows.length < BATCH) return written;
  }
}
