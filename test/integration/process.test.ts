import path from 'node:path';
import { freePort } from '../../src/lib/local-redis';
import { eventually } from '../helpers/app';
import pg from 'pg';
import { startMailSink } from '../../src/dev/mail-sink';
import { startStripeEmulator } from '../../src/dev/stripe-emulator';
import { runNode } from '../helpers/processes';
import { acquireRedis, createPostgresDatabase, serverDatabaseUrl, tempDir, uniqueName } from '../helpers/services';

const root = path.resolve(__dirname, '../..');

/** Runs src/main.ts with only the given environment (plus PATH and HOME). */
// tsx as a loader in one node process (not the tsx CLI, whose parent process relays signals to a child
// with a 30 ms wait and SIGKILLs it when a busy machine misses that window).
const run = (role: string, env: Record<string, string>) => runNode(['--import', 'tsx', 'src/main.ts', role], root, env);

/** The rows of one query, on a connection of its own. */
async function queryRows(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
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
      const health = await eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          return res.status === 200 ? res.json() : undefined;
        },
        60_000,
        250,
      );
      expect(health).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });
      expect((await fetch(`http://127.0.0.1:${port}/dev/mail`)).status).toBe(200);
      expect(p.output()).toContain(`http://localhost:${port}`);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
  }, 90_000);

  (serverDatabaseUrl ? test : test.skip)(
    'when two web and two worker processes start at the same instant on an empty PostgreSQL database, then all come up, one first admin exists, web and worker each serve their own /metrics, and all stop on SIGTERM',
    async () => {
      const database = await createPostgresDatabase(serverDatabaseUrl!);
      const redis = await acquireRedis();
      const mail = await startMailSink();
      const stripe = await startStripeEmulator({ env: 'test' });
      const ports = [await freePort(), await freePort()];
      const metricsPort = await freePort();
      const shared = {
        DATA_DIR: tempDir(),
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: uniqueName('proc'),
        SMTP_URL: mail.url,
        SESSION_SECRET: 'process-test-secret-that-is-long-enough',
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: 'whsec_processtest0123456789',
        STRIPE_API_URL: stripe.url,
      };
      const processes = [
        ...ports.map((port) => run('web', { ...shared, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` })),
        run('worker', { ...shared, METRICS_PORT: String(metricsPort) }),
        run('worker', shared),
      ];
      const said = () => processes.map((p, i) => `process ${i} said:\n${p.output()}`).join('\n');
      try {
        for (const port of ports) await eventually(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 60_000, 250);
        for (const worker of processes.slice(2)) await eventually(async () => worker.output().includes('worker started'), 60_000);
        const admins = await queryRows(database.url, 'SELECT email, role FROM staff');
        expect(admins).toEqual([{ email: 'admin@welgee.example', role: 'admin' }]);
        // The generated password is printed by exactly the one process that created the account.
        const printed = processes.map((p) => /Created the first admin: \S+ \/ (\S+)/.exec(p.output())?.[1]).filter(Boolean);
        expect(printed).toHaveLength(1);
        expect(printed[0]).toMatch(/^[A-Za-z0-9_-]{20}$/);
        // Each role answers for itself: the web on its port, the first worker on METRICS_PORT.
        expect(await (await fetch(`http://127.0.0.1:${ports[0]}/metrics`)).text()).toContain('welgee_http_request_duration_seconds');
        const workerMetrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
        expect(workerMetrics.status).toBe(200);
        expect(await workerMetrics.text()).toContain('# TYPE welgee_jobs_failed_total counter');
        expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(404);
      } catch (err) {
        throw new Error(`${String(err)}\n${said()}`, { cause: err });
      } finally {
        for (const p of processes) p.child.kill('SIGTERM');
      }
      const codes = await Promise.all(processes.map((p) => p.exited));
      if (codes.some((c) => c !== 0)) throw new Error(`exit codes ${codes.join(', ')}\n${said()}`);
      await stripe.stop();
      await mail.stop();
      await redis.release();
      await database.drop();
    },
    120_000,
  );

  (serverDatabaseUrl ? test : test.skip)(
    'when NODE_ENV=production and no staff exists, then a process without ADMIN_EMAIL and ADMIN_PASSWORD refuses to start and says which to set',
    async () => {
      const database = await createPostgresDatabase(serverDatabaseUrl!);
      const redis = await acquireRedis();
      const port = await freePort();
      const p = run('web', {
        NODE_ENV: 'production',
        PORT: String(port),
        PUBLIC_URL: 'https://family.welgee.example',
        DATA_DIR: tempDir(),
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: uniqueName('prod'),
        SMTP_URL: 'smtp://127.0.0.1:9',
        SESSION_SECRET: 'production-secret-that-is-long-enough-to-pass',
        STRIPE_SECRET_KEY: 'sk_test_processproduction',
        STRIPE_WEBHOOK_SECRET: 'whsec_processproduction',
      });
      try {
        expect(await p.exited).toBe(78);
        expect(p.output()).toContain('ADMIN_EMAIL');
        expect(p.output()).toContain('ADMIN_PASSWORD');
        expect(await queryRows(database.url, 'SELECT id FROM staff')).toEqual([]);
      } finally {
        p.child.kill('SIGKILL');
        await redis.release();
        await database.drop();
      }
    },
    90_000,
  );
});
