import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { configFromProcess } from '../../config';
import { openDatabase, openPglite, pgliteDirOf } from '../db/client';
import { DatabaseInUseError, lockPgliteDir } from '../db/pglite-lock';
import {
  BackupError,
  countRows,
  describeCounts,
  detectKind,
  fileTimestamp,
  isMissing,
  libpqTarget,
  missingTool,
  readPgliteTarball,
  runTool,
  type RowCounts,
} from './backup-shared';

const USAGE =
  'usage: npm run restore -- FILE [--yes] [--force]\n' +
  'Restores a file of `npm run backup` into the configured database (DATABASE_URL, or the embedded one in\n' +
  'DATA_DIR) when that database is empty, then applies migrations and prints what it holds.\n' +
  '  --yes    do not ask for confirmation (needed when standard input is not a terminal)\n' +
  '  --force  replace a database that is not empty (everything in it is lost)';

/** npm run restore -- FILE [--yes] [--force]: a backup into an empty database, in one step that either completes or changes nothing. */
async function run() {
  const { file, yes, force } = parseCommandLine();
  const backup = path.resolve(file);
  if (!fs.existsSync(backup)) throw new BackupError(`The backup file ${backup} does not exist.`);
  if (!fs.statSync(backup).isFile()) throw new BackupError(`${backup} is not a file.`);
  const kind = detectKind(backup);
  if (!kind) throw new BackupError(`${backup} is not a backup made by \`npm run backup\` (neither a pg_dump custom-format archive nor a PGlite tarball).`);
  const config = configFromProcess();
  if (config.databaseUrl) {
    if (kind === 'pglite') throw new BackupError(`${backup} is a backup of the embedded database (PGlite): restore it with DATABASE_URL unset, into DATA_DIR.`);
    await restorePostgres(config.databaseUrl, config.dataDir, backup, { yes, force });
  } else {
    if (kind === 'pg_dump') throw new BackupError(`${backup} is a PostgreSQL backup (pg_dump): set DATABASE_URL to the database to restore it into.`);
    await restorePglite(config.dataDir, backup, { yes, force });
  }
}

function parseCommandLine(): { file: string; yes: boolean; force: boolean } {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: { yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help || positionals.length !== 1) throw new Error(values.help ? '' : 'Name one backup file.');
    return { file: positionals[0]!, yes: values.yes ?? false, force: values.force ?? false };
  } catch (err) {
    throw new BackupError(`${(err as Error).message}\n${USAGE}`.trim());
  }
}

type Options = { yes: boolean; force: boolean };

/** Asks before changing anything, unless --yes; refuses when nobody can be asked. */
async function confirm(question: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new BackupError(`${question}\nNothing was changed: pass --yes to confirm (standard input is not a terminal).`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question}\nType "yes" to continue: `);
  rl.close();
  if (answer.trim().toLowerCase() !== 'yes') throw new BackupError('Nothing was changed.');
}

function notEmpty(label: string, tables: number, supporters: number | undefined): BackupError {
  return new BackupError(
    `The ${label} is not empty (${tables} tables${supporters === undefined ? '' : `, ${supporters} supporters`}). Nothing was changed.\n` +
      'Restore into an empty database, or pass --force to replace everything in this one.',
  );
}

function printRestored(label: string, counts: RowCounts, extra = '') {
  process.stdout.write(`restored into the ${label}, migrations applied: ${describeCounts(counts)}\n${extra}`);
}

// ---- PostgreSQL -------------------------------------------------------------------------------

/** The archive's header as pg_restore reads it; refuses a file it cannot read or that is not of this app. */
async function readArchive(file: string, env: NodeJS.ProcessEnv): Promise<string> {
  const list = await runTool('pg_restore', ['--list', file], env);
  if (list.code !== 0) throw new BackupError(`pg_restore cannot read ${file}: ${list.stderr.trim()}\nThe file is damaged, or was written by a newer pg_dump than this pg_restore.`);
  if (!/ TABLE public supporters /.test(list.stdout)) throw new BackupError(`${file} is a pg_dump archive, but not of this app's database (it has no supporters table).`);
  const field = (name: string) => new RegExp(`^;\\s+${name}: (.*)$`, 'm').exec(list.stdout)?.[1]?.trim();
  return `backup of ${field('dbname') ?? '?'} made ${/^; Archive created at (.*)$/m.exec(list.stdout)?.[1] ?? '?'} from PostgreSQL ${field('Dumped from database version') ?? '?'}`;
}

async function restorePostgres(databaseUrl: string, dataDir: string, file: string, opts: Options) {
  const { dbname, env, label } = libpqTarget(databaseUrl);
  const about = await readArchive(file, env);
  await runTool('psql', ['--version'], env);
  const target = await postgresState(databaseUrl);
  if (target.tables > 0 && !opts.force) throw notEmpty(label, target.tables, target.supporters);
  const others = target.otherSessions > 0 ? `\n${target.otherSessions} other sessions are connected to it: stop the app before replacing its database.` : '';
  await confirm(
    target.tables > 0
      ? `Replace EVERYTHING in the ${label} (${target.tables} tables, ${target.supporters ?? 0} supporters) by ${file} (${about})?${others}`
      : `Restore ${file} (${about}) into the ${label}?`,
    opts.yes,
  );
  await loadArchive(file, dbname, env, target.tables > 0);
  const database = await openDatabase({ databaseUrl, dataDir });
  try {
    await database.migrate();
    printRestored(label, await countRows(database.db));
  } finally {
    await database.close();
  }
}

/** Tables in the schemas a backup fills (public, drizzle), supporters, and other sessions on the database. */
async function postgresState(databaseUrl: string): Promise<{ tables: number; supporters: number | undefined; otherSessions: number }> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect().catch((err: Error) => {
    throw new BackupError(`Cannot connect to DATABASE_URL: ${err.message}`);
  });
  try {
    const { rows } = await client.query<{ tables: number; has_supporters: boolean; others: number }>(`
      select (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
               where n.nspname in ('public', 'drizzle') and c.relkind in ('r', 'p', 'v', 'm', 'f')) as tables,
             to_regclass('public.supporters') is not null as has_supporters,
             (select count(*)::int from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()) as others`);
    const state = rows[0]!;
    const supporters = state.has_supporters ? (await client.query<{ n: number }>('select count(*)::int as n from public.supporters')).rows[0]!.n : undefined;
    return { tables: state.tables, supporters, otherSessions: state.others };
  } finally {
    await client.end();
  }
}

/**
 * pg_restore's SQL piped into psql inside one transaction that is committed only when pg_restore read
 * the whole archive and psql ran every statement: a truncated or damaged file, or a failing statement,
 * leaves the database as it was. With replace, the old schemas are dropped in that same transaction
 * (pg_restore --single-transaction alone cannot do that part).
 */
async function loadArchive(file: string, dbname: string, env: NodeJS.ProcessEnv, replace: boolean): Promise<void> {
  const psql = spawn('psql', ['--no-psqlrc', '--quiet', '--no-password', '--set', 'ON_ERROR_STOP=1', '--dbname', dbname], { env, stdio: ['pipe', 'ignore', 'pipe'] });
  const restore = spawn('pg_restore', ['--no-owner', '--exit-on-error', '--file', '-', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = { psql: '', restore: '' };
  psql.stderr.on('data', (d: Buffer) => (stderr.psql += d.toString()));
  restore.stderr.on('data', (d: Buffer) => (stderr.restore += d.toString()));
  psql.stdin.on('error', () => undefined); // psql stopped early (ON_ERROR_STOP): its exit code says why
  const closed = (child: ReturnType<typeof spawn>) =>
    new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  const psqlDone = closed(psql);
  const restoreDone = closed(restore);
  // When psql stops first (a failing statement), pg_restore has nobody to write to.
  psqlDone.then(
    () => restore.kill(),
    () => restore.kill(),
  );
  psql.stdin.write(`BEGIN;\n${replace ? 'DROP SCHEMA IF EXISTS drizzle CASCADE;\nDROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n' : ''}`);
  restore.stdout.pipe(psql.stdin, { end: false });
  let restoreCode: number;
  let psqlCode: number;
  let psqlStoppedFirst: boolean;
  try {
    restoreCode = await restoreDone;
    psqlStoppedFirst = psql.exitCode !== null || psql.signalCode !== null;
    // Without COMMIT the transaction ends with the connection, and nothing stays.
    if (restoreCode === 0) psql.stdin.end('COMMIT;\n');
    else psql.kill();
    psqlCode = await psqlDone;
  } catch (err) {
    psql.kill();
    restore.kill();
    throw isMissing(err) ? missingTool('pg_restore and psql') : err;
  }
  if (restoreCode === 0 && psqlCode === 0) return;
  const cause = psqlStoppedFirst || restoreCode === 0 ? stderr.psql : `${stderr.restore.trim()}\nThe backup file is truncated or damaged.`;
  throw new BackupError(`The restore failed and was rolled back: the database was not changed.\n${cause.trim().split('\n').slice(-8).join('\n')}`);
}

// ---- PGlite -----------------------------------------------------------------------------------

/**
 * The tarball is checked whole, loaded by PGlite into a new folder next to DATA_DIR/pglite, migrated and
 * counted, and only then moved into place: a failure leaves DATA_DIR as it was. With --force, the
 * database it replaces is kept aside (the path is printed).
 */
async function restorePglite(dataDir: string, file: string, opts: Options) {
  const tar = readPgliteTarball(file);
  const dir = pgliteDirOf(dataDir);
  const label = `embedded database in ${dir}`;
  const existing = await pgliteState(dir);
  if (existing && existing.tables > 0 && !opts.force) throw notEmpty(label, existing.tables, existing.supporters);
  fs.mkdirSync(dataDir, { recursive: true });
  let release: () => void;
  try {
    release = lockPgliteDir(dir);
  } catch (err) {
    throw err instanceof DatabaseInUseError ? new BackupError(`${err.message}\nNothing was changed.`) : err;
  }
  try {
    await confirm(
      existing && existing.tables > 0
        ? `Replace the ${label} (${existing.tables} tables, ${existing.supporters ?? 0} supporters) by ${file}? It is kept aside, not deleted.`
        : `Restore ${file} into the ${label}?`,
      opts.yes,
    );
    const stamp = fileTimestamp(new Date());
    const incoming = `${dir}.restoring-${stamp}`;
    fs.rmSync(incoming, { recursive: true, force: true });
    let counts: RowCounts;
    try {
      const database = await openPglite(incoming, {
        loadDataDir: new Blob([new Uint8Array(tar.buffer as ArrayBuffer, tar.byteOffset, tar.length)], { type: 'application/x-tar' }),
      });
      try {
        await database.migrate();
        counts = await countRows(database.db);
      } finally {
        await database.close();
      }
    } catch (err) {
      fs.rmSync(incoming, { recursive: true, force: true });
      throw new BackupError(`The restore failed; DATA_DIR was not changed.\n${(err as Error).message}`);
    }
    let keptAside = '';
    if (existing && existing.tables > 0) {
      keptAside = `${dir}.before-restore-${stamp}`;
      fs.renameSync(dir, keptAside);
    } else {
      fs.rmSync(dir, { recursive: true, force: true }); // nothing, or a database without tables
    }
    fs.renameSync(incoming, dir);
    printRestored(label, counts, keptAside ? `The database it replaced is in ${keptAside}: delete it once this one is checked (it holds personal data).\n` : '');
  } finally {
    release();
  }
}

/** undefined when there is no database yet; otherwise its tables in public and its supporters. */
async function pgliteState(dir: string): Promise<{ tables: number; supporters: number | undefined } | undefined> {
  if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0) return undefined;
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) throw new BackupError(`${dir} is not empty and holds no PGlite database: move it away first. Nothing was changed.`);
  const database = await openPglite(dir).catch((err) => {
    throw err instanceof DatabaseInUseError ? new BackupError(`${err.message}\nNothing was changed.`) : err;
  });
  try {
    const rows = async <T>(query: SQL) => (await database.db.execute(query)) as unknown as { rows: T[] };
    const state = (
      await rows<{ tables: number; has_supporters: boolean }>(
        sql`select (select count(*)::int from pg_tables where schemaname = 'public') as tables, to_regclass('public.supporters') is not null as has_supporters`,
      )
    ).rows[0]!;
    const supporters = state.has_supporters ? (await rows<{ n: number }>(sql`select count(*)::int as n from supporters`)).rows[0]!.n : undefined;
    return { tables: state.tables, supporters };
  } finally {
    await database.close();
  }
}

run().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
