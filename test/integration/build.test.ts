import { execFile, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/lib/local-redis';
import { eventually } from '../helpers/app';
import { runNode } from '../helpers/processes';
import { acquireRedis, createTestDatabase, tempDir, uniqueName } from '../helpers/services';

// The container image runs the compiled app (`node dist/src/main.js`), not the TypeScript sources:
// this builds it as the Dockerfile does and starts it from another folder, so every file it reads
// at run time (views, locales, migrations, fonts, chart.js) must be found from dist/.
const root = path.resolve(__dirname, '../..');
const main = path.join(root, 'dist/src/main.js');

const runCompiled = (role: string, env: Record<string, string>) => runNode([main, role], tempDir('wf-cwd-'), env);

/** The exit code, or 'hung' (and SIGKILL) when the process has not exited within ms. */
async function exitWithin(p: { child: ChildProcess; exited: Promise<number | null> }, ms: number): Promise<number | null | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  const result = await Promise.race([p.exited, hung]);
  clearTimeout(timer);
  if (result === 'hung') p.child.kill('SIGKILL');
  return result;
}

describe('the compiled app', () => {
  test('when built with npm run build and started with node from another folder, then it serves pages and health, and SIGTERM stops it cleanly', async () => {
    await promisify(execFile)('npm', ['run', 'build'], { cwd: root });

    const database = await createTestDatabase();
    const redis = await acquireRedis();
    const port = await freePort();
    // On PostgreSQL the roles run as the image runs them; on PGlite both share one process.
    const roles = database.url ? ['web', 'worker'] : ['all'];
    const env = {
      PORT: String(port),
      DATA_DIR: tempDir(),
      REDIS_URL: redis.url,
      QUEUE_PREFIX: uniqueName('build'),
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    };
    const processes = roles.map((role) => runCompiled(role, env));
    const said = () => processes.map((p) => p.output()).join('\n');
    let codes: (number | null | 'hung')[];
    try {
      const health = await eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          return res.status === 200 ? res.json() : undefined;
        },
        40_000,
        250,
      ).catch((err) => Promise.reject(new Error(`${String(err)}\n${said()}`)));
      expect(health).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });

      const page = await fetch(`http://127.0.0.1:${port}/family?lang=en`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Join the WELgee Family');
      // A feature's own locale file (src/locales/newsletters.en.json), read from the source tree.
      expect(await (await fetch(`http://127.0.0.1:${port}/family/news?lang=en`)).text()).toContain('Past issues');
      expect((await fetch(`http://127.0.0.1:${port}/assets/vendor/chart.js/chart.umd.min.js`)).status).toBe(200);
      if (roles.includes('worker')) {
        await eventually(async () => said().includes('worker started'), 30_000).catch((err) => Promise.reject(new Error(`${String(err)}\n${said()}`)));
      }
    } finally {
      for (const p of processes) p.child.kill('SIGTERM');
      codes = await Promise.all(processes.map((p) => exitWithin(p, 25_000)));
      await redis.release();
      await database.drop();
    }
    expect(codes).toEqual(roles.map(() => 0));
  }, 150_000);
});
