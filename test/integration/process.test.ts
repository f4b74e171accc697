import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../src/lib/local-redis';
import { eventually } from '../helpers/app';
import { serverDatabaseUrl, tempDir } from '../helpers/services';

const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

/** Runs src/main.ts with only the given environment (plus PATH and HOME). */
function run(role: string, env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let out = '';
  const child = spawn(tsx, ['src/main.ts', role], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('the processes', () => {
  test('when the configuration is wrong, then every problem is printed and the process exits non-zero', async () => {
    const p = run('all', { PORT: 'abc', REDIS_URL: 'nope', SMTP_URL: 'http://x', NODE_ENV: 'production' });
    const code = await p.exited;
    expect(code).toBe(78);
    const out = p.output();
    for (const key of ['PORT', 'REDIS_URL', 'SMTP_URL', 'DATABASE_URL', 'SESSION_SECRET', 'STRIPE_SECRET_KEY']) expect(out).toContain(key);
  });

  test('when start:web runs without DATABASE_URL, then it explains that PGlite needs one process', async () => {
    const p = run('web', { DATA_DIR: tempDir() });
    expect(await p.exited).toBe(78);
    expect(p.output()).toContain('DATABASE_URL');
  });

  test('when started with no configuration, then /healthz is ok on embedded defaults, and SIGTERM stops it cleanly', async () => {
    const port = await freePort();
    const dataDir = tempDir('wf-fresh-');
    const p = run('all', { PORT: String(port), DATA_DIR: dataDir });
    try {
      const health = await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        return res.status === 200 ? res.json() : undefined;
      }, 60_000, 250);
      expect(health).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });
      expect((await fetch(`http://127.0.0.1:${port}/dev/mail`)).status).toBe(200);
      expect(p.output()).toContain(`http://localhost:${port}`);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
  }, 90_000);

  (serverDatabaseUrl ? test : test.skip)('when web and worker run as separate processes on PostgreSQL, then both start and stop on SIGTERM', async () => {
    const port = await freePort();
    const redisUrl = process.env.REDIS_URL ?? '';
    const env = { PORT: String(port), DATA_DIR: tempDir(), DATABASE_URL: serverDatabaseUrl!, ...(redisUrl ? { REDIS_URL: redisUrl } : {}), QUEUE_PREFIX: `proc${port}` };
    const web = run('web', env);
    const worker = run('worker', env);
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 60_000, 250);
      await eventually(async () => worker.output().includes('worker started'), 30_000);
    } catch (err) {
      throw new Error(`${String(err)}\nweb said:\n${web.output()}\nworker said:\n${worker.output()}`);
    } finally {
      web.child.kill('SIGTERM');
      worker.child.kill('SIGTERM');
    }
    expect(await web.exited).toBe(0);
    expect(await worker.exited).toBe(0);
  }, 90_000);
});
