import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/client';
import { createPostgresDatabase, serverDatabaseUrl, tempDir } from '../helpers/services';

const expectedTables = ['emails', 'outbox', 'sessions', 'settings'];

async function tablesOf(db: Awaited<ReturnType<typeof openDatabase>>) {
  const result = await db.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`);
  return ((result as { rows: unknown[] }).rows as { table_name: string }[]).map((r) => r.table_name);
}

describe('migrations', () => {
  test('when applied twice on PGlite, then every table exists and the second run changes nothing', async () => {
    const dir = tempDir();
    const db = await openDatabase({ dataDir: dir });
    await db.migrate();
    await db.migrate();
    expect(await tablesOf(db)).toEqual(expect.arrayContaining(expectedTables));
    await db.db.execute(sql`insert into settings (key, value) values ('probe', '1'::jsonb)`);
    await db.close();

    // Persisted across restarts: the embedded database lives in DATA_DIR.
    const reopened = await openDatabase({ dataDir: dir });
    await reopened.migrate();
    const rows = await reopened.db.execute(sql`select key from settings where key = 'probe'`);
    expect((rows as { rows: unknown[] }).rows).toHaveLength(1);
    await reopened.close();
  });

  (serverDatabaseUrl ? test : test.skip)('when applied concurrently from three processes on PostgreSQL, then they serialise and succeed', async () => {
    const target = await createPostgresDatabase(serverDatabaseUrl!);
    try {
      const dbs = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: target.url, dataDir: tempDir() })));
      await Promise.all(dbs.map((d) => d.migrate()));
      expect(await tablesOf(dbs[0]!)).toEqual(expect.arrayContaining(expectedTables));
      await Promise.all(dbs.map((d) => d.close()));
    } finally {
      await target.drop();
    }
  });
});
