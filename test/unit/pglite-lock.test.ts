import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseInUseError, lockFileOf, lockPgliteDir } from '../../src/db/pglite-lock';
import { tempDir } from '../helpers/services';

describe('the lock on a PGlite folder', () => {
  test('when the folder is locked, then a second open in this process is refused until the first is released', () => {
    const dir = path.join(tempDir(), 'pglite');
    const release = lockPgliteDir(dir);
    expect(JSON.parse(fs.readFileSync(lockFileOf(dir), 'utf8'))).toMatchObject({ pid: process.pid });
    expect(() => lockPgliteDir(dir)).toThrow(DatabaseInUseError);
    release();
    expect(fs.existsSync(lockFileOf(dir))).toBe(false);
    lockPgliteDir(dir)();
  });

  test('when a running process holds the lock, then it is refused with that process named', async () => {
    const dir = path.join(tempDir(), 'pglite');
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(lockFileOf(dir), JSON.stringify({ pid: other.pid, host: 'here', command: 'src/main.ts all', since: '2026-12-01T00:00:00.000Z' }));
      expect(() => lockPgliteDir(dir)).toThrow(`in use by process ${other.pid} (src/main.ts all, since 2026-12-01T00:00:00.000Z)`);
    } finally {
      other.kill();
    }
    await new Promise((resolve) => other.once('exit', resolve));
    // Once that process is gone, its lock is stale and taken over.
    const release = lockPgliteDir(dir);
    expect(JSON.parse(fs.readFileSync(lockFileOf(dir), 'utf8')).pid).toBe(process.pid);
    release();
  });
});
