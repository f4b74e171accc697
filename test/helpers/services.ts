import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startLocalRedis, type LocalRedis } from '../../src/lib/local-redis';

// Tests use DATABASE_URL and REDIS_URL when set (CI: real PostgreSQL and Redis servers),
// otherwise PGlite in a temporary folder and a private redis-server.

export function tempDir(prefix = 'wf-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;
}

export const serverDatabaseUrl: string | undefined = process.env.DATABASE_URL || undefined;

/** A fresh, empty PostgreSQL database on the server at DATABASE_URL; drop() removes it. */
export async function createPostgresDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = uniqueName('wf_test');
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A database for one test file: a new PostgreSQL database when DATABASE_URL is set, else PGlite. */
export async function createTestDatabase(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  if (!serverDatabaseUrl) return { url: undefined, drop: async () => undefined };
  return createPostgresDatabase(serverDatabaseUrl);
}

/** Redis for one test file: REDIS_URL when set, else a private redis-server stopped by release(). */
export async function acquireRedis(): Promise<{ url: string; release(): Promise<void>; local?: LocalRedis }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, release: async () => undefined };
  const local = await startLocalRedis({ dir: tempDir('wf-redis-') });
  return { url: local.url, release: () => local.stop(), local };
}
