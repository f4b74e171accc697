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

/** Whether `cursorArrays` can run here: PostgreSQL yes; PGlite (one in-process connection) no. */
export function supportsCursors(db: Db): boolean {
  return !((db as unknown as { $client: unknown }).$client instanceof PGlite);
}

/**
 * Runs one read query through a server-side cursor and yields its rows as arrays, `pageRows` at a
 * time, all from one read-only snapshot. The database plans and runs the query once, and the next page
 * is fetched while the caller works on this one. The transaction ends (and the connection goes back to
 * the pool) when the rows run out or the caller stops early; one left waiting on a stalled reader is
 * ended by the server after ten minutes. PostgreSQL only (see `supportsCursors`).
 */
export async function* cursorArrays(db: Db, text: string, params: unknown[], pageRows: number): AsyncGenerator<(string | null)[][]> {
  const pool = (db as unknown as { $client: pg.Pool }).$client;
  const client = await pool.connect();
  let pending: Promise<(string | null)[][]> | undefined;
  let finished = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET LOCAL idle_in_transaction_session_timeout = '10min'`);
    await client.query({ text: `DECLARE rows_cursor NO SCROLL CURSOR FOR ${text}`, values: params });
    const fetchPage = () => {
      const page = client.query<(string | null)[]>({ text: `FETCH ${pageRows} FROM rows_cursor`, rowMode: 'array' }).then((r) => r.rows);
      page.catch(() => undefined); // a failure surfaces where the page is awaited
      return page;
    };
    pending = fetchPage();
    for (;;) {
      const rows = await pending;
      pending = undefined;
      if (rows.length === 0) break;
      if (rows.length === pageRows) pending = fetchPage();
      yield rows;
      if (!pending) break;
    }
    finished = true;
  } finally {
    if (pending) await pending.catch(() => undefined);
    const ended = await client.query(finished ? 'COMMIT' : 'ROLLBACK').then(
      () => true,
      () => false,
    );
    client.release(!ended);
  }
}
