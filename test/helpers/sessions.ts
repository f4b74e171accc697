import { eq } from 'drizzle-orm';
import pg from 'pg';
import { sessions } from '../../src/db/schema';
import type { TestApp } from './app';
import { sessionIdSet, type Visitor } from './http';

/**
 * Holds every write to the app's `sessions` table (reads still go through) until the returned
 * function is called. On PGlite, where nothing outside the app can take a lock, it holds nothing.
 */
export async function holdSessionWrites(databaseUrl: string | undefined): Promise<() => Promise<void>> {
  if (!databaseUrl) return async () => undefined;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE sessions IN EXCLUSIVE MODE');
  return async () => {
    await client.query('COMMIT');
    await client.end();
  };
}

/**
 * POSTs a sign-in form while the session row is held back for a moment, and returns the answer with the
 * session row as it stood when the answer's headers arrived: an answer that does not wait for its
 * session to be written shows up with none.
 */
export async function postWithSessionHeldBack(app: TestApp, visitor: Visitor, path: string, fields: Record<string, string>, cookieName: string) {
  let stored: (typeof sessions.$inferSelect)[] = [];
  const release = await holdSessionWrites(app.config.databaseUrl);
  const answered = visitor.post(path, fields, async (res) => {
    stored = await app.ctx.db
      .select()
      .from(sessions)
      .where(eq(sessions.sid, sessionIdSet(res, cookieName)));
  });
  await new Promise((r) => setTimeout(r, 500));
  await release();
  return { ...(await answered), stored };
}
