import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { queueNames } from '../../src/lib/job-contracts';
import { openDatabase, type Database, type Db } from '../../src/db/client';
import { startMailSink, type MailSink, type ReceivedMail } from '../../src/dev/mail-sink';
import { startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from '../../src/dev/stripe-emulator';
import { createStripeGateway, ensureCatalog } from '../../src/features/billing';
import { createSettingsService, type SettingsService } from '../../src/features/settings';
import { freePort } from '../../src/lib/local-redis';
import { eventually, TEST_ADDRESS } from '../helpers/app';
import { startTestProxy, type TestProxy } from '../helpers/proxy';
import { createPostgresDatabase, tempDir, uniqueName } from '../helpers/services';
import { report } from './traffic';

// Two web and two worker processes (`node --import tsx src/main.ts web|worker`, NODE_ENV=production)
// on a fresh PostgreSQL database and their own queue prefix, behind the test proxy, with the Stripe
// emulator and the SMTP sinks in this process. Everything is stopped and removed by stop(), and every
// child is killed if this process exits first.

const root = path.resolve(__dirname, '../..');
export const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const WEBHOOK_SECRET = 'whsec_system0123456789abcdef';
const OUTPUT_LIMIT = 256 * 1024;

/** A figure from the environment (SYSTEM_JOINS=30 …), or its default. */
export function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, not ${raw}`);
  return value;
}

export interface AppProcess {
  role: 'web' | 'worker';
  child: ChildProcess;
  /** Set when the test sends it a signal: its exit is then expected. */
  isStopping: boolean;
  /** The last 256 KiB it printed. */
  output(): string;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function spawnApp(role: 'web' | 'worker', env: Record<string, string>): AppProcess {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', role], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > OUTPUT_LIMIT * 2) out = out.slice(-OUTPUT_LIMIT);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? -1 : null));
    }),
  );
  return { role, child, isStopping: false, output: () => out.slice(-OUTPUT_LIMIT), exited };
}

/** Sends a signal to a process the test means to stop. */
function signal(p: AppProcess, name: NodeJS.Signals): void {
  p.isStopping = true;
  p.child.kill(name);
}

export interface ClusterOptions {
  webs?: number;
  workers?: number;
  /** One SMTP sink per worker (worker i sends to sink i), so a message tells which worker sent it. */
  sinkPerWorker?: boolean;
  /** Redis for the processes (default the shared one). */
  redisUrl?: string;
  /** The PostgreSQL URL the processes get, from the database's own (e.g. through a proxy the test can cut). */
  processDatabaseUrl?: (directUrl: string) => string;
  stripe?: Pick<StripeEmulatorOptions, 'autoDeliver' | 'retryDelaysMs' | 'onDelivery'>;
  /** Runs on the migrated database before any process starts (settings, recipients). */
  prepare?: (db: Db, settings: SettingsService) => Promise<void>;
}

export interface Cluster {
  proxy: TestProxy;
  stripe: StripeEmulator;
  sinks: MailSink[];
  /** Every message received by every sink. */
  messages(): ReceivedMail[];
  /** The test's own connection to the database (direct, never through a cut). */
  db: Db;
  databaseUrl: string;
  queuePrefix: string;
  /** How long starting everything took. */
  startupMs: number;
  /** Emulator events from setting up the catalog, before any webhook endpoint existed (never delivered). */
  setupEventIds: Set<string>;
  webUrls: string[];
  webs: AppProcess[];
  workers: AppProcess[];
  /** SIGTERM to web i, wait for it to exit, start it again on the same port; resolves to its exit code and timings. */
  restartWeb(i: number): Promise<{ exitCode: number | null; stoppedMs: number; readyMs: number }>;
  /** Sends a signal to worker i and waits for it to exit; resolves to its exit code. */
  stopWorker(i: number, signal: NodeJS.Signals): Promise<number | null>;
  /** Starts worker i again (same sink) and waits until it says it started. */
  startWorker(i: number): Promise<void>;
  /** BullMQ's job counts per queue. */
  jobCounts(): Promise<Record<string, Record<string, number>>>;
  /** Processes that exited without being told to (a crash), with what they said last. */
  unexpectedExits(): string[];
  /** Throws when a process has crashed: there is no point waiting for it any longer. */
  checkAlive(): void;
  /** What every process printed (for failure messages). */
  said(): string;
  stop(): Promise<void>;
}

/** Waits until GET /healthz answers 200 on a web process (or throws with what it printed). */
async function whenWebReady(url: string, p: AppProcess, timeoutMs = 120_000): Promise<void> {
  try {
    await eventually(
      async () => {
        if (p.child.exitCode !== null) throw new Error(`web exited with ${p.child.exitCode}`);
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
        await res?.arrayBuffer();
        return res?.status === 200;
      },
      timeoutMs,
      200,
    );
  } catch (err) {
    throw new Error(`${String(err)}\nthe web said:\n${p.output()}`, { cause: err });
  }
}

async function whenWorkerReady(p: AppProcess, since: number, timeoutMs = 120_000): Promise<void> {
  try {
    await eventually(
      async () => {
        if (p.child.exitCode !== null) throw new Error(`worker exited with ${p.child.exitCode}`);
        return p.output().slice(since).includes('worker started');
      },
      timeoutMs,
      200,
    );
  } catch (err) {
    throw new Error(`${String(err)}\nthe worker said:\n${p.output()}`, { cause: err });
  }
}

/** Deletes every Redis key under the prefix. */
async function deletePrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * Starts the whole system: database (migrated, catalog in the emulator), sinks, emulator, the web and
 * worker processes and the proxy in front of the webs. On a failure to start, what was started is stopped.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => process.stderr.write(`cleanup: ${String(err)}\n`));
    cleanups.length = 0;
  };
  const started = Date.now();
  try {
    const webCount = opts.webs ?? 2;
    const workerCount = opts.workers ?? 2;
    const redisUrl = opts.redisUrl ?? REDIS_URL;
    const queuePrefix = uniqueName('sys');
    cleanups.push(() => deletePrefix(redisUrl, queuePrefix));

    const database = await createPostgresDatabase(POSTGRES_URL);
    cleanups.push(() => database.drop());
    const dataDir = tempDir('wf-system-');
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const opened: Database = await openDatabase({ databaseUrl: database.url, dataDir });
    cleanups.push(() => opened.close());
    await opened.migrate();
    const settings = await createSettingsService(opened.db);
    // Newsletters are refused until the organisation has a postal address.
    const { organisation } = await settings.get();
    await settings.update('organisation', { ...organisation, address: TEST_ADDRESS });
    await opts.prepare?.(opened.db, settings);

    const sinks = await Promise.all(Array.from({ length: opts.sinkPerWorker ? workerCount : 1 }, () => startMailSink()));
    for (const sink of sinks) cleanups.push(() => sink.stop());
    const stripe = await startStripeEmulator({ env: 'test', ...opts.stripe });
    cleanups.push(() => stripe.stop());

    const webPorts = await Promise.all(Array.from({ length: webCount }, () => freePort()));
    const webUrls = webPorts.map((port) => `http://127.0.0.1:${port}`);
    const proxy = await startTestProxy({ upstreams: webUrls, keepAlive: true });
    cleanups.push(() => proxy.stop());
    // The product and prices exist before the app asks for them (`npm run stripe:setup` in production).
    const gateway = createStripeGateway({ secretKey: stripe.secretKey, webhookSecret: WEBHOOK_SECRET, apiUrl: stripe.url });
    await ensureCatalog(gateway, { returnUrl: `${proxy.url}/me` });
    const setupEventIds = new Set(stripe.events().map((e) => e.id));
    for (const url of webUrls) stripe.addWebhookEndpoint(`${url}/webhooks/stripe`, WEBHOOK_SECRET);

    const shared = {
      NODE_ENV: 'production',
      DATABASE_URL: opts.processDatabaseUrl ? opts.processDatabaseUrl(database.url) : database.url,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      SESSION_SECRET: 'system-test-secret-that-is-long-enough-for-the-schema',
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: stripe.url,
      PUBLIC_URL: proxy.url,
      TRUST_PROXY: 'loopback',
      HOST: '127.0.0.1',
      ADMIN_EMAIL: 'admin@welgee.example',
      ADMIN_PASSWORD: 'system-test-admin-password',
    };
    const webEnv = (i: number) => ({ ...shared, PORT: String(webPorts[i]), SMTP_URL: sinks[0]!.url, LOG_LEVEL: 'warn', DATA_DIR: path.join(dataDir, `web-${i}`) });
    const workerEnv = (i: number) => ({ ...shared, SMTP_URL: sinks[opts.sinkPerWorker ? i : 0]!.url, LOG_LEVEL: 'info', DATA_DIR: path.join(dataDir, `worker-${i}`) });

    const webs: AppProcess[] = [];
    const workers: AppProcess[] = [];
    const everyProcess: AppProcess[] = [];
    const launch = (role: 'web' | 'worker', env: Record<string, string>) => {
      const p = spawnApp(role, env);
      everyProcess.push(p);
      return p;
    };
    const unexpectedExits = () =>
      everyProcess
        .filter((p) => !p.isStopping && (p.child.exitCode !== null || p.child.signalCode !== null))
        .map((p) => `${p.role} pid ${p.child.pid} exited with ${p.child.exitCode ?? p.child.signalCode}:\n${p.output().slice(-3000)}`);
    // Children go first at stop: SIGTERM, then SIGKILL whatever is still running after 30 s.
    cleanups.push(async () => {
      const all = [...webs, ...workers].filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      for (const p of all) signal(p, 'SIGTERM');
      const timer = setTimeout(() => all.forEach((p) => p.child.kill('SIGKILL')), 30_000);
      await Promise.all(all.map((p) => p.exited));
      clearTimeout(timer);
    });
    for (let i = 0; i < webCount; i++) webs.push(launch('web', webEnv(i)));
    for (let i = 0; i < workerCount; i++) workers.push(launch('worker', workerEnv(i)));
    await Promise.all([...webs.map((p, i) => whenWebReady(webUrls[i]!, p)), ...workers.map((p) => whenWorkerReady(p, 0))]);

    const queueConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    queueConnection.on('error', () => undefined);
    const queues = queueNames.map((name) => new Queue(name, { connection: queueConnection, prefix: queuePrefix }));
    for (const q of queues) q.on('error', () => undefined);
    // Closed before the keys are deleted (cleanups run in reverse).
    cleanups.splice(1, 0, async () => {
      await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
      queueConnection.disconnect();
    });

    return {
      proxy,
      stripe,
      sinks,
      messages: () => sinks.flatMap((s) => s.messages),
      db: opened.db,
      databaseUrl: database.url,
      queuePrefix,
      startupMs: Date.now() - started,
      setupEventIds,
      webUrls,
      webs,
      workers,
      async restartWeb(i) {
        const old = webs[i]!;
        const started = Date.now();
        signal(old, 'SIGTERM');
        const exitCode = await old.exited;
        const stoppedMs = Date.now() - started;
        const fresh = launch('web', webEnv(i));
        webs[i] = fresh;
        await whenWebReady(webUrls[i]!, fresh);
        return { exitCode, stoppedMs, readyMs: Date.now() - started - stoppedMs };
      },
      async stopWorker(i, name) {
        const p = workers[i]!;
        signal(p, name);
        return p.exited;
      },
      async startWorker(i) {
        const fresh = launch('worker', workerEnv(i));
        workers[i] = fresh;
        await whenWorkerReady(fresh, 0);
      },
      async jobCounts() {
        const counts: Record<string, Record<string, number>> = {};
        for (const q of queues) counts[q.name] = await q.getJobCounts('active', 'waiting', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed');
        return counts;
      },
      unexpectedExits,
      checkAlive() {
        const exits = unexpectedExits();
        if (exits.length > 0) throw new Error(`a process crashed:\n${exits.join('\n')}`);
      },
      said: () =>
        [...webs.map((p, i) => [`web ${i}`, p] as const), ...workers.map((p, i) => [`worker ${i}`, p] as const)]
          .map(([name, p]) => `--- ${name} ---\n${p.output().slice(-20_000)}`)
          .join('\n'),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Runs body with a started cluster and a figures object it fills as it goes; the figures are printed
 * (and kept in test/artifacts/system/<name>.json) even when body fails, and the cluster is always stopped.
 */
export async function withCluster(name: string, opts: ClusterOptions, body: (cluster: Cluster, figures: Record<string, unknown>) => Promise<void>): Promise<void> {
  const cluster = await startCluster(opts);
  const figures: Record<string, unknown> = {};
  try {
    await body(cluster, figures);
  } catch (err) {
    figures.failed = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Error(`${err instanceof Error ? err.stack : String(err)}\n\nwhat the processes said (last lines):\n${cluster.said()}`, { cause: err });
  } finally {
    figures.crashedProcesses = cluster.unexpectedExits().length;
    figures.clusterStartupSeconds = cluster.startupMs / 1000;
    report(name, figures);
    await cluster.stop();
  }
}
