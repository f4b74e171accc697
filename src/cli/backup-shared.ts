import { spawn } from 'node:child_process';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { childProcessEnv } from '../../config';
import type { Db } from '../db/client';

// What `npm run backup` and `npm run restore` share: running the PostgreSQL client tools, telling
// the two kinds of backup apart, checking a PGlite tarball before PGlite sees it, counting rows.

/** A problem the person running the command can fix; printed without a stack. */
export class BackupError extends Error {}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a PostgreSQL client tool to the end; a missing binary becomes a BackupError saying what to install. */
export function runTool(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(isMissing(err) ? missingTool(command) : err));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Whether spawning failed because the program is not installed. */
export function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** The error for a client tool that is not installed, with the Debian package to install. */
export function missingTool(command: string, serverMajor?: number): BackupError {
  const pkg = serverMajor ? `postgresql-client-${serverMajor}` : 'postgresql-client';
  return new BackupError(`${command} was not found on PATH: install the PostgreSQL client tools (Debian/Ubuntu: apt-get install ${pkg}).`);
}

/** The major version in `pg_dump (PostgreSQL) 15.20 …` or `15.20 (Debian …)`: 15 (9.6 for 9.6.24). */
export function majorOf(version: string): { major: number; text: string } | undefined {
  const m = /(\d+)\.(\d+)(?:\.\d+)?/.exec(version.replace(/^[^)]*\)\s*/, ''));
  if (!m) return undefined;
  const first = Number(m[1]);
  return { major: first >= 10 ? first : Number(`${first}.${m[2]}`), text: m[0] };
}

/** How the client tools reach DATABASE_URL: the URL without its password, which goes in PGPASSWORD (not on the command line). */
export function libpqTarget(databaseUrl: string): { dbname: string; env: NodeJS.ProcessEnv; label: string } {
  const url = new URL(databaseUrl);
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  url.password = '';
  const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username) || 'postgres';
  return { dbname: url.toString(), env: childProcessEnv(password ? { PGPASSWORD: password } : {}), label: `PostgreSQL database ${name} on ${url.host}` };
}

/** The server's version, e.g. { major: 15, text: '15.20' }. */
export async function serverVersion(databaseUrl: string): Promise<{ major: number; text: string }> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new BackupError(`Cannot connect to DATABASE_URL: ${(err as Error).message}`);
  }
  try {
    const { rows } = await client.query<{ num: string; text: string }>(`select current_setting('server_version_num') as num, current_setting('server_version') as text`);
    const num = Number(rows[0]!.num);
    return { major: num >= 100_000 ? Math.floor(num / 10_000) : Math.floor(num / 10_000) + (Math.floor(num / 100) % 100) / 10, text: rows[0]!.text.split(' ')[0]! };
  } finally {
    await client.end();
  }
}

export type BackupKind = 'pg_dump' | 'pglite';

/** pg_dump's custom format starts with PGDMP; PGlite's dumpDataDir writes a (gzipped) tarball. */
export function detectKind(file: string): BackupKind | undefined {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(512);
  const n = fs.readSync(fd, head, 0, 512, 0);
  fs.closeSync(fd);
  if (n >= 5 && head.toString('latin1', 0, 5) === 'PGDMP') return 'pg_dump';
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'pglite';
  if (n >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'pglite';
  return undefined;
}

/**
 * Reads a PGlite backup and checks it whole: the gzip stream (its CRC and length), every tar header's
 * checksum, the end marker, and the files a data folder must have. Returns the plain tar, since PGlite
 * itself would crash the process on a damaged gzip stream instead of reporting it.
 */
export function readPgliteTarball(file: string): Buffer {
  let tar = fs.readFileSync(file);
  if (tar[0] === 0x1f && tar[1] === 0x8b) {
    try {
      tar = zlib.gunzipSync(tar);
    } catch (err) {
      throw new BackupError(`${file} is damaged or truncated: ${(err as Error).message}.`);
    }
  }
  const names = new Set<string>();
  let offset = 0;
  let ended = false;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) {
      ended = true;
      break;
    }
    const field = (from: number, to: number) =>
      header
        .toString('latin1', from, to)
        .replace(/\0[\s\S]*$/, '')
        .trim();
    let sum = 0;
    for (let i = 0; i < 512; i += 1) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    const size = parseInt(field(124, 136) || '0', 8);
    if (parseInt(field(148, 156), 8) !== sum || !Number.isFinite(size)) throw new BackupError(`${file} is damaged: a tar header at byte ${offset} does not check out.`);
    const prefix = field(257, 263) === 'ustar' ? field(345, 500) : '';
    names.add(`${prefix ? `${prefix}/` : ''}${header.toString('utf8', 0, 100).replace(/\0[\s\S]*$/, '')}`.replace(/^\/+/, ''));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  if (!ended || offset > tar.length) throw new BackupError(`${file} is truncated: the tarball ends in the middle of a file.`);
  if (!names.has('PG_VERSION') || !names.has('global/pg_control'))
    throw new BackupError(`${file} is a tarball but not of a PGlite data folder (no PG_VERSION or global/pg_control).`);
  return tar;
}

export interface RowCounts {
  supporters: number;
  donations: number;
  receiptNumbers: number;
  annualReceipts: number;
  consents: number;
}

/** The rows a restore is checked by. */
export async function countRows(db: Db): Promise<RowCounts> {
  const result = await db.execute(sql`
    select (select count(*) from supporters)::int as supporters,
           (select count(*) from donations)::int as donations,
           (select count(*) from donations where receipt_number is not null)::int as "receiptNumbers",
           (select count(*) from annual_receipts)::int as "annualReceipts",
           (select count(*) from consents)::int as consents`);
  return (result as unknown as { rows: RowCounts[] }).rows[0]!;
}

/** "4 supporters, 6 donations (5 with receipt numbers), 2 annual receipts, 6 consents". */
export function describeCounts(c: RowCounts): string {
  return `${c.supporters} supporters, ${c.donations} donations (${c.receiptNumbers} with receipt numbers), ${c.annualReceipts} annual receipts, ${c.consents} consents`;
}

/** 1234567 → "1.2 MB, 1234567 bytes". */
export function formatSize(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}, ${bytes} bytes`;
}

/** 2026-12-02T09:30:05.123Z → 20261202T093005Z, for file names that sort by time. */
export function fileTimestamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}
