import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { openDatabase, type Database } from '../../src/db/client';
import { normalizeEmailAddress } from '../../src/lib/email-address';
import { migrationsBefore } from '../helpers/migrations';
import { createPostgresDatabase, serverDatabaseUrl, tempDir } from '../helpers/services';

// Migration 0009 writes stored addresses in the normal form of src/lib/email-address.ts and tells staff.

const MIGRATION = '0009_email_addresses';

const rowsOf = async <T>(db: Database, query: ReturnType<typeof sql>) => ((await db.db.execute(query)) as unknown as { rows: T[] }).rows;

const stored = {
  wide: 'ｆｗ＠ｅｘａｍｐｌｅ．ｃｏｍ',
  spaced: '\u3000Taro.Yamada@Example.JP ',
  plain: 'plain@example.jp',
  staff: 'ｓｔａｆｆ＠ｗｅｌｇｅｅ．ｅｘａｍｐｌｅ',
};

async function checkMigration(db: Database, migrateBefore: (folder: string) => Promise<void>) {
  await migrateBefore(migrationsBefore(MIGRATION));
  await db.db.execute(sql`insert into supporters (id, email, email_normalized, family_name, given_name) values
    ('11111111-1111-4111-8111-111111111111', ${stored.wide}, 'fw@example.com', 'A', 'A'),
    ('22222222-2222-4222-8222-222222222222', ${stored.spaced}, 'taro.yamada@example.jp', 'B', 'B'),
    ('33333333-3333-4333-8333-333333333333', ${stored.plain}, 'plain@example.jp', 'C', 'C')`);
  await db.db.execute(
    sql`insert into staff (id, email, email_normalized, name, role, password_hash) values ('44444444-4444-4444-8444-444444444444', ${stored.staff}, 'staff@welgee.example', 'S', 'staff', 'x')`,
  );
  await db.db.execute(sql`insert into emails (template, to_address, locale, supporter_id, status) values
    ('receipt', ${stored.wide}, 'ja', '11111111-1111-4111-8111-111111111111', 'queued'),
    ('welcome', ${stored.wide}, 'ja', '11111111-1111-4111-8111-111111111111', 'sent')`);

  await db.migrate();

  const people = await rowsOf<{ id: string; email: string }>(db, sql`select id::text, email from supporters order by id`);
  expect(people.map((p) => p.email)).toEqual(['fw@example.com', 'Taro.Yamada@example.jp', 'plain@example.jp']);
  // SQL and the app agree on the normal form.
  expect(people.map((p) => p.email)).toEqual([stored.wide, stored.spaced, stored.plain].map(normalizeEmailAddress));
  expect((await rowsOf<{ email: string }>(db, sql`select email from staff`)).map((s) => s.email)).toEqual(['staff@welgee.example']);
  // Staff see each fixed row in the audit log, without the address.
  const audit = await rowsOf<{ action: string; target_id: string; detail: unknown }>(db, sql`select action, target_id, detail from audit_log order by action, target_id`);
  expect(audit.map((a) => [a.action, a.target_id])).toEqual([
    ['staff.email_normalized', '44444444-4444-4444-8444-444444444444'],
    ['supporter.email_normalized', '11111111-1111-4111-8111-111111111111'],
    ['supporter.email_normalized', '22222222-2222-4222-8222-222222222222'],
  ]);
  expect(JSON.stringify(audit)).not.toContain('example');
  // The receipt still waiting goes to the fixed address and is queued again; a sent email is history.
  const mails = await rowsOf<{ template: string; to_address: string }>(db, sql`select template, to_address from emails order by template`);
  expect(mails.map((m) => [m.template, m.to_address])).toEqual([
    ['receipt', 'fw@example.com'],
    ['welcome', stored.wide],
  ]);
  const jobs = await rowsOf<{ job_name: string; payload: { emailId: number } }>(db, sql`select job_name, payload from outbox`);
  expect(jobs.map((j) => j.job_name)).toEqual(['send-email']);
}

describe('migration 0009: stored email addresses in normal form', () => {
  test('when it runs on PGlite, then full-width and spaced addresses are fixed, each fixed row is audited and waiting mail is queued again', async () => {
    const db = await openDatabase({ dataDir: tempDir() });
    try {
      await checkMigration(db, (folder) => migratePglite(db.db as unknown as PgliteDatabase, { migrationsFolder: folder }));
    } finally {
      await db.close();
    }
  });

  (serverDatabaseUrl ? test : test.skip)('when it runs on PostgreSQL, then the same rows are fixed the same way', async () => {
    const target = await createPostgresDatabase(serverDatabaseUrl!);
    const db = await openDatabase({ databaseUrl: target.url, dataDir: tempDir() });
    try {
      await checkMigration(db, (folder) => migratePg(db.db as unknown as NodePgDatabase, { migrationsFolder: folder }));
    } finally {
      await db.close();
      await target.drop();
    }
  });
});
