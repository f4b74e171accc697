import fs from 'node:fs';
import os from 'node:os';

// PGlite runs PostgreSQL inside one process and has no lock of its own: its postmaster.pid always
// says -42 and a second process opening the same folder corrupts it. Whoever opens the folder holds
// `<folder>.lock` (process id, host, command, since when); a lock whose process is gone is stale.

/** Another process (or this one) has the PGlite folder open. */
export class DatabaseInUseError extends Error {}

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  since: string;
}

const held = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** The lock file that guards a PGlite folder. */
export function lockFileOf(dir: string): string {
  return `${dir.replace(/[\\/]+$/, '')}.lock`;
}

/**
 * Takes the lock on a PGlite folder for this process, or throws DatabaseInUseError naming the process
 * that holds it. Returns the release function (also run when the process exits).
 */
export function lockPgliteDir(dir: string): () => void {
  const file = lockFileOf(dir);
  if (held.has(file)) throw new DatabaseInUseError(`The embedded database ${dir} is already open in this process.`);
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), command: process.argv.slice(1).join(' ').slice(0, 200), since: new Date().toISOString() };
  const content = JSON.stringify(mine);
  for (let attempt = 0; ; attempt += 1) {
    try {
      fs.writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (attempt > 0) throw inUse(dir, file, readLock(file));
      const other = readLock(file);
      // Our own pid in a lock we do not hold is a previous life of this process id (e.g. a container restart).
      if (other && other.pid !== process.pid && isAlive(other.pid)) throw inUse(dir, file, other);
      fs.rmSync(file, { force: true });
    }
  }
  held.add(file);
  const release = () => {
    process.off('exit', release);
    if (!held.delete(file)) return;
    const current = readLock(file);
    if (current?.pid === mine.pid && current.since === mine.since) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return release;
}

function inUse(dir: string, file: string, other: LockInfo | undefined): DatabaseInUseError {
  const who = other ? `process ${other.pid} (${other.command || 'unknown command'}, since ${other.since})` : 'another process';
  return new DatabaseInUseError(
    `The embedded database ${dir} is in use by ${who}.\n` +
      `PGlite's data folder must never be opened by two processes: stop the app (or that command) first,\n` +
      `or set DATABASE_URL to use PostgreSQL. If no such process runs any more, delete ${file}.`,
  );
}
