import { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { Db } from './client';

/**
 * Runs one read query and returns its rows as arrays, for code that reads many rows fast (exports).
 * Cast every column to text in the SQL: values then arrive as the database wrote them, unparsed.
 */
export async function selectArrays(db: Db, text: string, params: unknown[]): Promise<(string | null)[][]> {
  const client = (db as unknown as { $client: pg.Pool | PGlite }).$client;
  if (client instanceof PGlite) {
    const result = await client.query<(string | null)[]>(text, params, { rowMode: 'array' });
    return result.rows;
  }
  const result = await client.query<(string | null)[]>({ text, values: params, rowMode: 'array' });
  return result.rows;
}
