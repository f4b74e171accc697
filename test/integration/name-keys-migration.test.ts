import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { openDatabase, type Database } from '../../src/db/client';
import { payerKeysOf, searchKeyOf } from '../../src/lib/name-key';
import { migrationsBefore } from '../helpers/migrations';
import { createPostgresDatabase, serverDatabaseUrl, tempDir } from '../helpers/services';

// Migration 0012 adds supporters.search_key and name_keys, which only the app can compute: the
// migration runner fills them for the rows already there.

const MIGRATION = '0012_supporter_name_keys';

interface Row {
  id: string;
  family_name: string;
  given_name: string;
  family_name_kana: string | null;
  given_name_kana: string | null;
  organisation_name: string | null;
  email: string;
  search_key: string | null;
  name_keys: string[] | null;
}

const rowsOf = async (db: Database) => ((await db.db.execute(sql`select * from supporters order by id`)) as unknown as { rows: Row[] }).rows;

async function insertOlderRows(db: Database) {
  await db.db.execute(sql`insert into supporters (id, email, email_normalized, family_name, given_name, family_name_kana, given_name_kana, organisation_name, kind) values
    ('11111111-1111-4111-8111-111111111111', 'a@example.jp', 'a@example.jp', '髙橋', '𠮷男', 'タカハシ', 'ヨシオ', null, 'individual'),
    ('22222222-2222-4222-8222-222222222222', 'b@example.jp', 'b@example.jp', 'Müller', 'Anna', null, null, null, 'individual'),
    ('33333333-3333-4333-8333-333333333333', 'c@example.jp', 'c@example.jp', 'サクラテック', '', null, null, '株式会社サクラテック', 'organisation')`);
}

function expectFilled(rows: Row[]) {
  expect(rows).toHaveLength(3);
  for (const r of rows) {
    const parts = {
      familyName: r.family_name,
      givenName: r.given_name,
      familyNameKana: r.family_name_kana,
      givenNameKana: r.given_name_kana,
      organisationName: r.organisation_name,
      email: r.email,
    };
    expect(r.search_key).toBe(searchKeyOf(parts));
    expect(r.name_keys).toEqual(payerKeysOf(parts));
  }
  expect(rows[0]!.search_key).toContain('高橋吉男');
  expect(rows[1]!.search_key).toContain('muller');
  expect(rows[2]!.name_keys).toContain('サクラテツク');
}

describe('migration 0012: name keys of the supporters already stored', () => {
  test('when it runs on PGlite, then every older supporter gets the keys the app computes', async () => {
    const db = await openDatabase({ dataDir: tempDir() });
    try {
      await migratePglite(db.db as unknown as PgliteDatabase, { migrationsFolder: migrationsBefore(MIGRATION) });
      await insertOlderRows(db);
      await db.migrate();
      expectFilled(await rowsOf(db));
    } finally {
      await db.close();
    }
    // PGlite runs every migration in WebAssembly: slow on a loaded machine.
  }, 180_000);

  (serverDatabaseUrl ? test : test.skip)('when four processes start together on PostgreSQL, then each migrates without error and every key is right', async () => {
    const target = await createPostgresDatabase(serverDatabaseUrl!);
    const first = await openDatabase({ databaseUrl: target.url, dataDir: tempDir() });
    const others = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: target.url, dataDir: tempDir() })));
    try {
      await migratePg(first.db as unknown as NodePgDatabase, { migrationsFolder: migrationsBefore(MIGRATION) });
      await insertOlderRows(first);
      await Promise.all([first, ...others].map((db) => db.migrate()));
      expectFilled(await rowsOf(first));
    } finally {
      for (const db of [first, ...others]) await db.close();
      await target.drop();
    }
  });
});
