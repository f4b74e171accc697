import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { asc, eq, sql, type SQL } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/db/client';
import { annualReceipts, consents, donations, supporters } from '../../src/db/schema';
import type { Tx } from '../../src/db/client';
import { fillSearchKeys } from '../../src/db/search-keys';
import { receiptFor } from '../../src/features/annual-reports';
import { tokyoDay, tokyoYear } from '../../src/lib/dates';
import { eventually, startTestApp } from '../helpers/app';
import { giftRowsOf, giftsOf, joinAndPay } from '../helpers/giving';
import { createPostgresDatabase, serverDatabaseUrl, tempDir } from '../helpers/services';
import { signInAs } from '../helpers/staff';

const root = path.resolve(__dirname, '../..');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run backup` / `npm run restore` (their scripts) as a child process, from a folder outside
 * the project so that nothing depends on the working directory. Standard input is not a terminal.
 */
function runCli(script: 'backup' | 'restore', args: string[], env: { DATABASE_URL?: string; DATA_DIR: string; PATH?: string }): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'src/cli', `${script}.ts`), ...args], {
      cwd: tempDir('wf-cli-'),
      env: {
        PATH: env.PATH ?? process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATA_DIR: env.DATA_DIR,
        ...(env.DATABASE_URL ? { DATABASE_URL: env.DATABASE_URL } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const writtenPath = (r: CliResult) => /written to (.+?) \(/.exec(r.stdout)?.[1];

/** Every row of every table of the app (public and drizzle schemas) and every sequence's position. */
async function snapshot(database: Database): Promise<Record<string, string[]>> {
  const rows = async <T>(query: SQL) => ((await database.db.execute(query)) as unknown as { rows: T[] }).rows;
  const tables = await rows<{ s: string; t: string }>(
    sql`select table_schema as s, table_name as t from information_schema.tables where table_schema in ('public', 'drizzle') and table_type = 'BASE TABLE' order by 1, 2`,
  );
  const out: Record<string, string[]> = {};
  for (const { s, t } of tables) out[`${s}.${t}`] = (await rows<{ r: string }>(sql.raw(`select to_jsonb(x)::text as r from "${s}"."${t}" x order by 1`))).map((r) => r.r);
  for (const q of await rows<{ name: string; last: string | null }>(
    sql`select schemaname || '.' || sequencename as name, last_value::text as last from pg_sequences where schemaname in ('public', 'drizzle') order by 1`,
  )) {
    out[`sequence ${q.name}`] = [String(q.last)];
  }
  return out;
}

/** The rows a restore must bring back, read through the app's schema, in a stable order. */
async function ledger(database: Database) {
  const db = database.db;
  return {
    supporters: await db.select().from(supporters).orderBy(asc(supporters.id)),
    donations: await db.select().from(donations).orderBy(asc(donations.id)),
    annualReceipts: await db.select().from(annualReceipts).orderBy(asc(annualReceipts.id)),
    consents: await db.select().from(consents).orderBy(asc(consents.id)),
  };
}

async function tableCount(url: string): Promise<number> {
  const database = await openDatabase({ databaseUrl: url, dataDir: tempDir() });
  try {
    const result = await database.db.execute(
      sql`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('public', 'drizzle') and c.relkind = 'r'`,
    );
    return (result as unknown as { rows: { n: number }[] }).rows[0]!.n;
  } finally {
    await database.close();
  }
}

(serverDatabaseUrl ? describe : describe.skip)('backup and restore on PostgreSQL', () => {
  const dataDir = tempDir();
  let source: Awaited<ReturnType<typeof createPostgresDatabase>>;
  const made: Awaited<ReturnType<typeof createPostgresDatabase>>[] = [];
  let backupFile: string;
  let before: Record<string, string[]>;
  const emptyDatabase = async () => {
    const db = await createPostgresDatabase(serverDatabaseUrl!);
    made.push(db);
    return db;
  };
  const withDatabase = async <T>(url: string, fn: (d: Database) => Promise<T>): Promise<T> => {
    const database = await openDatabase({ databaseUrl: url, dataDir });
    try {
      return await fn(database);
    } finally {
      await database.close();
    }
  };

  beforeAll(async () => {
    // Realistic rows written by the running app, into a database that outlives it.
    source = await createPostgresDatabase(serverDatabaseUrl!);
    const app = await startTestApp({ env: { DATABASE_URL: source.url } });
    try {
      const yamada = await joinAndPay(app, { plan: '5000', newsletter: 'on' });
      await app.stripe.advanceSubscription(yamada.subscription.stripeSubscriptionId);
      await eventually(async () => (await giftRowsOf(app, yamada.supporter.id)).length === 2);
      await joinAndPay(app, { plan: '1000', family_name: '𠮷田', given_name: '美咲', family_name_kana: 'ヨシダ', given_name_kana: 'ミサキ', newsletter: 'on' });
      const nguyen = await joinAndPay(app, { plan: '10000', family_name: 'Nguyễn', given_name: 'Văn An', family_name_kana: undefined, given_name_kana: undefined, locale: 'en' });
      await app.ctx.stripe.stripe.refunds.create({ charge: nguyen.gifts[0]!.stripeChargeId!, amount: 4000 });
      await eventually(async () => (await giftsOf(app, nguyen.supporter.id)).some((d) => d.entry === 'refund'));

      // An organisation added by staff, and its corporate gift recorded in the console.
      const { visitor } = await signInAs(app, 'staff');
      const token = await visitor.csrf('/admin/supporters/new');
      const company = {
        kind: 'organisation',
        organisation_name: '株式会社𠮷田商店',
        family_name: '吉田',
        given_name: '一郎',
        family_name_kana: 'ヨシダ',
        given_name_kana: 'イチロウ',
        email: `kaisha-${Date.now()}@example.jp`,
        locale: 'ja',
        postal_code: '060-0001',
        prefecture: '北海道',
        address: '札幌市中央区北1条西1',
        postal_mail: 'on',
        _csrf: token,
      };
      expect((await visitor.post('/admin/supporters/new', company)).res.status).toBe(303);
      const [org] = await app.ctx.db.select().from(supporters).where(eq(supporters.email, company.email));
      const gift = await visitor.post('/admin/gifts', {
        _csrf: await visitor.csrf('/admin/gifts/new'),
        supporter_id: org!.id,
        received_on: tokyoDay(new Date()),
        amount: '300000',
        method: 'corporate',
        payer_name: 'カ）ヨシダシヨウテン',
        note: '年末のご寄付',
      });
      expect(gift.res.status).toBe(303);

      // Combined receipts of the year for two of them.
      await receiptFor(app.ctx.db, yamada.supporter.id, tokyoYear(new Date()));
      await receiptFor(app.ctx.db, org!.id, tokyoYear(new Date()));
      // The derived search keys are filled when a search next needs them, and by every restore: filled
      // here too, so the backup holds the state a restore ends in.
      await fillSearchKeys(app.ctx.db as unknown as Tx);
    } finally {
      await app.stop();
    }
    before = await withDatabase(source.url, snapshot);
  }, 180_000);

  afterAll(async () => {
    for (const db of [source, ...made]) await db?.drop();
  });

  test('when a backup is restored into an empty database, then every supporter, gift, receipt number, annual receipt and consent is there as it was', async () => {
    const backup = await runCli('backup', [], { DATABASE_URL: source.url, DATA_DIR: dataDir });
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    backupFile = writtenPath(backup)!;
    expect(path.dirname(backupFile)).toBe(path.join(dataDir, 'backups'));
    expect(path.basename(backupFile)).toMatch(/^welgee-\d{8}T\d{6}Z\.dump$/);
    expect(fs.statSync(backupFile).mode & 0o777).toBe(0o600);
    expect(backup.stdout).toContain(`${fs.statSync(backupFile).size} bytes`);
    expect(fs.readFileSync(backupFile).subarray(0, 5).toString()).toBe('PGDMP');

    const target = await emptyDatabase();
    const restore = await runCli('restore', [backupFile, '--yes'], { DATABASE_URL: target.url, DATA_DIR: dataDir });
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);

    const [src, dst] = [await withDatabase(source.url, ledger), await withDatabase(target.url, ledger)];
    expect(dst.supporters).toEqual(src.supporters);
    expect(dst.donations).toEqual(src.donations);
    expect(dst.annualReceipts).toEqual(src.annualReceipts);
    expect(dst.consents).toEqual(src.consents);
    // What was seeded is really there (not two empty lists that agree).
    expect(src.supporters.map((s) => s.familyName).sort()).toEqual(['Nguyễn', '吉田', '山田', '𠮷田']);
    expect(src.supporters.find((s) => s.kind === 'organisation')?.organisationName).toBe('株式会社𠮷田商店');
    const gifts = src.donations.filter((d) => d.entry === 'gift');
    expect(gifts.map((d) => d.amount).sort((a, b) => a - b)).toEqual([1000, 5000, 5000, 10000, 300000]);
    expect(new Set(gifts.map((d) => d.receiptNumber)).size).toBe(5);
    expect(gifts.every((d) => /^\d{4}-\d{6}$/.test(d.receiptNumber ?? ''))).toBe(true);
    expect(src.donations.find((d) => d.entry === 'refund')).toMatchObject({ amount: -4000, receiptNumber: null });
    expect(src.annualReceipts).toHaveLength(2);
    expect(src.consents.length).toBeGreaterThanOrEqual(6);
    expect(restore.stdout).toContain(`4 supporters, 6 donations (5 with receipt numbers), 2 annual receipts, ${src.consents.length} consents`);

    // Everything else too: every table row by row, the migrations record and every sequence (next ids, counters).
    expect(await withDatabase(target.url, snapshot)).toEqual(before);
  }, 120_000);

  test('when the target database is not empty, then restore refuses without --force and changes nothing', async () => {
    const result = await runCli('restore', [backupFile, '--yes'], { DATABASE_URL: source.url, DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not empty \(\d+ tables, 4 supporters\)\. Nothing was changed\./);
    expect(result.stderr).toContain('--force');
    expect(await withDatabase(source.url, snapshot)).toEqual(before);
  }, 60_000);

  test('when --force is given, then the database is replaced by the backup, rows added since included', async () => {
    const target = await emptyDatabase();
    expect((await runCli('restore', [backupFile, '--yes'], { DATABASE_URL: target.url, DATA_DIR: dataDir })).code).toBe(0);
    await withDatabase(target.url, (d) => d.db.insert(supporters).values({ email: 'later@example.jp', emailNormalized: 'later@example.jp', familyName: '後藤', givenName: '新' }));

    const result = await runCli('restore', [backupFile, '--yes', '--force'], { DATABASE_URL: target.url, DATA_DIR: dataDir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await withDatabase(target.url, snapshot)).toEqual(before);
  }, 120_000);

  test('when the backup is truncated or damaged, then restore fails clearly and the target is left as it was', async () => {
    const bytes = fs.readFileSync(backupFile);
    const dir = tempDir();
    // Cut inside the data (the table of contents still reads), cut early, and damage the middle.
    const cases = {
      'end cut': bytes.subarray(0, bytes.length - 64),
      'half cut': bytes.subarray(0, Math.floor(bytes.length / 2)),
      damaged: Buffer.concat([bytes.subarray(0, Math.floor(bytes.length * 0.9)), Buffer.alloc(64, 0xa5), bytes.subarray(Math.floor(bytes.length * 0.9) + 64)]),
    };
    const empty = await emptyDatabase();
    for (const [name, content] of Object.entries(cases)) {
      const file = path.join(dir, `${name.replace(' ', '-')}.dump`);
      fs.writeFileSync(file, content);
      const result = await runCli('restore', [file, '--yes'], { DATABASE_URL: empty.url, DATA_DIR: dataDir });
      expect([name, result.code]).toEqual([name, 1]);
      expect(result.stderr).toMatch(/rolled back: the database was not changed|cannot read/);
      expect(result.stderr).toMatch(/truncated or damaged|The file is damaged/);
      expect(await tableCount(empty.url)).toBe(0);
    }
    // The end cut passes pg_restore's first look and fails half-way through loading: rolled back.
    const endCut = await runCli('restore', [path.join(dir, 'end-cut.dump'), '--yes'], { DATABASE_URL: empty.url, DATA_DIR: dataDir });
    expect(endCut.stderr).toContain('rolled back');

    // With --force, the database being replaced survives a bad file untouched.
    const forced = await runCli('restore', [path.join(dir, 'end-cut.dump'), '--yes', '--force'], { DATABASE_URL: source.url, DATA_DIR: dataDir });
    expect(forced.code).toBe(1);
    expect(await withDatabase(source.url, snapshot)).toEqual(before);
  }, 180_000);

  test('when the file is missing, not a backup, or of the embedded database, then restore says so and changes nothing', async () => {
    const target = await emptyDatabase();
    const env = { DATABASE_URL: target.url, DATA_DIR: dataDir };
    const missing = await runCli('restore', ['/nonexistent/welgee.dump', '--yes'], env);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, 'The backup file /nonexistent/welgee.dump does not exist.']);
    const other = path.join(tempDir(), 'notes.txt');
    fs.writeFileSync(other, 'not a backup');
    expect((await runCli('restore', [other, '--yes'], env)).stderr).toContain('is not a backup made by `npm run backup`');
    const tarball = path.join(tempDir(), 'welgee-pglite.tar.gz');
    fs.writeFileSync(tarball, Buffer.from([0x1f, 0x8b, 8, 0]));
    expect((await runCli('restore', [tarball, '--yes'], env)).stderr).toContain('is a backup of the embedded database (PGlite)');
    const usage = await runCli('restore', [], env);
    expect([usage.code, usage.stderr]).toEqual([1, expect.stringContaining('usage: npm run restore -- FILE')]);
    expect(await tableCount(target.url)).toBe(0);
  }, 60_000);

  test('when --yes is missing and standard input is not a terminal, then restore asks for it and changes nothing', async () => {
    const target = await emptyDatabase();
    const result = await runCli('restore', [backupFile], { DATABASE_URL: target.url, DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Nothing was changed: pass --yes to confirm');
    expect(await tableCount(target.url)).toBe(0);
  }, 60_000);

  test('when pg_dump is older than the server, then backup names both versions and writes nothing', async () => {
    const bin = tempDir();
    fs.writeFileSync(path.join(bin, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n', { mode: 0o755 });
    const out = tempDir();
    const result = await runCli('backup', ['--out', out], { DATABASE_URL: source.url, DATA_DIR: dataDir, PATH: `${bin}:${process.env.PATH}` });
    const server = await withDatabase(
      source.url,
      async (d) => ((await d.db.execute(sql`show server_version`)) as unknown as { rows: { server_version: string }[] }).rows[0]!.server_version.split(' ')[0]!,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`pg_dump 9.6.24 cannot back up PostgreSQL ${server}`);
    expect(fs.readdirSync(out)).toEqual([]);
  }, 60_000);
});

describe('backup and restore of the embedded database (PGlite)', () => {
  const sourceDir = tempDir();
  let backupFile: string;
  let before: Record<string, string[]>;
  let expected: Awaited<ReturnType<typeof ledger>>;
  const withEmbedded = async <T>(dataDir: string, fn: (d: Database) => Promise<T>): Promise<T> => {
    const database = await openDatabase({ dataDir });
    try {
      return await fn(database);
    } finally {
      await database.close();
    }
  };

  beforeAll(async () => {
    await withEmbedded(sourceDir, async (database) => {
      await database.migrate();
      const db = database.db;
      const person = (email: string, values: Partial<typeof supporters.$inferInsert>) => ({ email, emailNormalized: email, familyName: '', givenName: '', ...values });
      const [sato, company, smith] = await db
        .insert(supporters)
        .values([
          person('sato@example.jp', { familyName: '佐藤', givenName: '花子', familyNameKana: 'サトウ', givenNameKana: 'ハナコ', status: 'monthly', newsletter: true }),
          person('info@tanaka.example.jp', {
            kind: 'organisation',
            organisationName: '田中𠮷商事株式会社',
            familyName: '田中',
            givenName: '誠',
            status: 'one_time',
            postalMail: true,
            postalCode: '1000001',
            prefecture: '東京都',
            address: '千代田区千代田1-1',
          }),
          person('jo.smith@example.com', { familyName: 'Smith', givenName: 'Jo', locale: 'en', status: 'one_time' }),
        ])
        .returning();
      const at = new Date('2026-04-10T03:00:00Z');
      const [gift] = await db
        .insert(donations)
        .values([
          {
            supporterId: sato!.id,
            entry: 'gift',
            amount: 5000,
            fee: 180,
            net: 4820,
            method: 'card',
            frequency: 'monthly',
            planAmount: 5000,
            stripeChargeId: 'ch_pglite_1',
            receivedAt: at,
            receivedOn: '2026-04-10',
            receiptNumber: '2026-000001',
          },
          {
            supporterId: company!.id,
            entry: 'gift',
            amount: 300000,
            method: 'corporate',
            frequency: 'one_time',
            channel: 'offline',
            payerName: 'タナカキチシヨウジ',
            receivedAt: at,
            receivedOn: '2026-04-10',
            receiptNumber: '2026-000002',
          },
          {
            supporterId: smith!.id,
            entry: 'gift',
            amount: 3000,
            method: 'card',
            frequency: 'one_time',
            stripeChargeId: 'ch_pglite_2',
            receivedAt: at,
            receivedOn: '2026-04-10',
            receiptNumber: '2026-000003',
          },
        ])
        .returning();
      await db.insert(donations).values({
        supporterId: sato!.id,
        entry: 'refund',
        amount: -2000,
        method: 'card',
        frequency: 'monthly',
        stripeChargeId: 'ch_pglite_1',
        stripeRefundId: 're_pglite_1',
        relatedDonationId: gift!.id,
        receivedAt: at,
        receivedOn: '2026-04-10',
      });
      await db.insert(consents).values([
        {
          supporterId: sato!.id,
          purpose: 'privacy_policy',
          granted: true,
          textVersion: 'privacy_policy:1',
          text: '個人情報の取り扱いに同意します',
          source: 'join_form',
          ip: '203.0.113.7',
        },
        { supporterId: sato!.id, purpose: 'newsletter', granted: true, textVersion: 'newsletter:1', text: 'メールマガジン「WELgeeファミリー通信」を受け取る', source: 'join_form' },
        { supporterId: smith!.id, purpose: 'newsletter', granted: false, textVersion: 'newsletter:1', text: 'Unsubscribe', source: 'unsubscribe_link' },
      ]);
      await receiptFor(db, sato!.id, 2026);
      await fillSearchKeys(db as unknown as Tx);
      expected = await ledger(database);
      before = await snapshot(database);
    });
  }, 120_000);

  test('when the embedded database is backed up and restored into a new DATA_DIR, then every row is there as it was', async () => {
    const backup = await runCli('backup', [], { DATA_DIR: sourceDir });
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    backupFile = writtenPath(backup)!;
    expect(path.basename(backupFile)).toMatch(/^welgee-pglite-\d{8}T\d{6}Z\.tar\.gz$/);
    expect(path.dirname(backupFile)).toBe(path.join(sourceDir, 'backups'));
    expect(fs.statSync(backupFile).mode & 0o777).toBe(0o600);

    const targetDir = tempDir();
    const restore = await runCli('restore', [backupFile, '--yes'], { DATA_DIR: targetDir });
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain('3 supporters, 4 donations (3 with receipt numbers), 1 annual receipts, 3 consents');
    expect(fs.readdirSync(targetDir).sort()).toEqual(['pglite']);

    await withEmbedded(targetDir, async (restored) => {
      const rows = await ledger(restored);
      expect(rows).toEqual(expected);
      expect(rows.supporters.map((s) => s.organisationName ?? s.familyName).sort()).toEqual(['Smith', '佐藤', '田中𠮷商事株式会社']);
      expect(rows.donations.map((d) => d.receiptNumber).sort()).toEqual(['2026-000001', '2026-000002', '2026-000003', null]);
      expect(await snapshot(restored)).toEqual(before);
    });

    // A second restore into it is refused; with --force it goes ahead and keeps the old folder aside.
    const again = await runCli('restore', [backupFile, '--yes'], { DATA_DIR: targetDir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty \(\d+ tables, 3 supporters\)/);
    const forced = await runCli('restore', [backupFile, '--yes', '--force'], { DATA_DIR: targetDir });
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    const aside = fs.readdirSync(targetDir).filter((f) => f.startsWith('pglite.before-restore-'));
    expect(aside).toHaveLength(1);
    expect(forced.stdout).toContain(path.join(targetDir, aside[0]!));
    await withEmbedded(targetDir, async (restored) => expect(await snapshot(restored)).toEqual(before));
  }, 180_000);

  test('when the app has the embedded database open, then backup and restore refuse and name the process', async () => {
    const database = await openDatabase({ dataDir: sourceDir });
    try {
      const backup = await runCli('backup', [], { DATA_DIR: sourceDir });
      expect(backup.code).toBe(1);
      expect(backup.stderr).toContain(`is in use by process ${process.pid}`);
      expect(backup.stderr).toContain('Nothing was written.');
      expect(fs.readdirSync(path.join(sourceDir, 'backups'))).toEqual([path.basename(backupFile)]);
      const restore = await runCli('restore', [backupFile, '--yes', '--force'], { DATA_DIR: sourceDir });
      expect(restore.code).toBe(1);
      expect(restore.stderr).toContain(`is in use by process ${process.pid}`);
    } finally {
      await database.close();
    }
    await withEmbedded(sourceDir, async (d) => expect(await snapshot(d)).toEqual(before));
  }, 120_000);

  test('when the tarball is truncated, damaged or missing, then restore says so and the new DATA_DIR stays empty', async () => {
    const bytes = fs.readFileSync(backupFile);
    const dir = tempDir();
    const truncated = path.join(dir, 'truncated.tar.gz');
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const damaged = path.join(dir, 'damaged.tar.gz');
    fs.writeFileSync(damaged, Buffer.concat([bytes.subarray(0, 1000), Buffer.alloc(64, 0xa5), bytes.subarray(1064)]));
    const targetDir = tempDir();
    for (const [file, message] of [
      [truncated, 'is damaged or truncated'],
      [damaged, 'is damaged or truncated'],
      [path.join(dir, 'none.tar.gz'), 'does not exist'],
    ] as const) {
      const result = await runCli('restore', [file, '--yes'], { DATA_DIR: targetDir });
      expect([path.basename(file), result.code]).toEqual([path.basename(file), 1]);
      expect(result.stderr).toContain(message);
      expect(fs.readdirSync(targetDir)).toEqual([]);
    }
  }, 120_000);
});
