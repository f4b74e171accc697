import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { lockPgliteDir } from './pglite-lock';
import { fillSearchKeys } from './search-keys';
import { projectPath } from '../lib/project-root';
import * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction or the database itself: repos accept either so callers choose the boundary. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The embedded database, which can also write its whole data folder as one tarball. */
export interface EmbeddedDatabase extends Database {
  kind: 'pglite';
  /** PGlite's dumpDataDir after a checkpoint: the data folder as a gzipped tarball. */
  dumpDataDir(): Promise<Blob>;
}

// Committed SQL, read from the source tree also by the compiled app (dist/ holds JavaScript only).
const migrationsFolder = projectPath('src', 'db', 'migrations');
// Any 64-bit number unique to this app: serialises migrations when several processes start at once.
const MIGRATION_LOCK = 4_711_2026;

/** Opens PostgreSQL when a URL is given, otherwise PGlite persisted under dataDir. */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openPglite(pgliteDirOf(opts.dataDir));
}

/** Where the embedded database lives inside DATA_DIR. */
export function pgliteDirOf(dataDir: string): string {
  return path.join(dataDir, 'pglite');
}

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {
    // Idle client errors (server restart) are reported by the next query; never crash on them.
  });
  // A checked-out client (a transaction) has no listener of the pool's, so a dropped connection would be
  // an unhandled 'error' event that ends the process. Its queries fail instead, and the pool discards it
  // on release (it is no longer queryable).
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    async migrate() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
        await migratePg(drizzlePg(client), { migrationsFolder });
        // Keys SQL cannot compute (the JS normaliser), under the same lock: a backfill after 0012,
        // then whatever scripts or restores left without keys.
        await fillSearchKeys(drizzlePg(client) as unknown as Db);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
        await client.end();
      }
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    close: () => pool.end(),
  };
}

/**
 * Opens PGlite in dir (created when missing, or filled from a tarball of `dumpDataDir` given as
 * loadDataDir), holding the folder's lock until close: a second process gets DatabaseInUseError.
 */
export async function openPglite(dir: string, opts: { loadDataDir?: Blob } = {}): Promise<EmbeddedDatabase> {
  fs.mkdirSync(dir, { recursive: true });
  const release = lockPgliteDir(dir);
  try {
    // The contrib entry point ships ESM types only; a dynamic import keeps this file CommonJS.
    const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
    const client = new PGlite(dir, { extensions: { pg_trgm }, loadDataDir: opts.loadDataDir });
    await client.waitReady;
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    return {
      db,
      kind: 'pglite',
      async migrate() {
        await migratePglite(drizzlePglite(client), { migrationsFolder });
        await fillSearchKeys(db);
      },
      async ping() {
        await db.execute(sql`select 1`);
      },
      async dumpDataDir() {
        // Written to the files first, so that the tarball needs no recovery when it is loaded.
        await client.exec('CHECKPOINT');
        return client.dumpDataDir('gzip');
      },
      async close() {
        try {
          await client.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
