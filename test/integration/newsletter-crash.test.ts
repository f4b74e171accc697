import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { annualReceipts, newsletterDeliveries } from '../../src/db/schema';
import { prepareDraft, startReportSend } from '../../src/features/annual-reports';
import { createStaff } from '../../src/features/staff';
import { startSending } from '../../src/features/newsletters';
import { BATCH_SIZE, SEND_CONCURRENCY } from '../../src/features/newsletters/send';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { countByRecipient, createNewsletter, insertSupporters, setMessagesPerSecond, waitForStatus } from '../helpers/newsletters';
import { tempDir } from '../helpers/services';
import { insertGivers } from '../helpers/annual';
import { parseMail } from '../../src/dev/mail-sink';

const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Sends the signal to the whole process group: tsx runs the app in a child node process. */
  kill(signal: NodeJS.Signals): void;
}

/** Starts `src/main.ts worker` as its own process on the test app's database, Redis, queues and SMTP sink. */
function startWorkerProcess(app: TestApp): WorkerProcess {
  const { config } = app;
  let out = '';
  const child = spawn(tsx, ['src/main.ts', 'worker'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATA_DIR: tempDir('wf-crash-'),
      PUBLIC_URL: config.publicUrl,
      DATABASE_URL: config.databaseUrl!,
      REDIS_URL: app.ctx.redisUrl,
      QUEUE_PREFIX: config.queuePrefix,
      SMTP_URL: app.mail.url,
      SESSION_SECRET: app.ctx.sessionSecret,
      STRIPE_SECRET_KEY: config.stripe.secretKey!,
      STRIPE_WEBHOOK_SECRET: config.stripe.webhookSecret!,
      STRIPE_API_URL: config.stripe.apiUrl!,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  return { child, output: () => out, exited, kill };
}

async function whenStarted(worker: WorkerProcess): Promise<void> {
  try {
    await eventually(async () => worker.output().includes('worker started'), 60_000, 100);
  } catch (err) {
    throw new Error(`${String(err)}\nthe worker said:\n${worker.output()}`, { cause: err });
  }
}

/**
 * Runs `body` with a test app that has no worker of its own; `spawnWorker` starts `src/main.ts worker`
 * as a process and waits until it is up. Every worker started is killed and the app stopped afterwards.
 */
async function withWorkerProcesses(body: (app: TestApp, spawnWorker: () => Promise<WorkerProcess>) => Promise<void>): Promise<void> {
  const app = await startTestApp({ worker: false });
  const workers: WorkerProcess[] = [];
  try {
    await body(app, async () => {
      const worker = startWorkerProcess(app);
      workers.push(worker);
      await whenStarted(worker);
      return worker;
    });
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await app.stop();
  }
}

describe('a newsletter send when the worker is killed', () => {
  // PGlite lives inside one process: a second process needs PostgreSQL.
  (process.env.DATABASE_URL ? test : test.skip)(
    'when the worker is killed mid-send and a new one starts, then everyone gets the issue and only messages in flight arrive twice',
    () =>
      withWorkerProcesses(async (app, spawnWorker) => {
        const total = 3000;
        await setMessagesPerSecond(app.ctx, 400);
        const people = await insertSupporters(app.ctx.db, { count: total, tag: 'crash' });
        const id = await createNewsletter(app.ctx.db, { tag: 'crash' });
        const mine = (m: { envelopeTo: string[] }) => m.envelopeTo.some((a) => a.startsWith('crash-'));

        const first = await spawnWorker();
        expect(await app.ctx.db.transaction((tx) => startSending(tx, id))).toEqual({ started: true, recipients: total });

        await app.mail.waitFor(total / 3, mine, 60_000);
        first.kill('SIGKILL');
        await first.exited;
        await new Promise((r) => setTimeout(r, 300));

        const rowsIn = async (status: 'sent' | 'sending') =>
          Number(
            (
              await app.ctx.db
                .select({ n: sql<string>`count(*)::text` })
                .from(newsletterDeliveries)
                .where(and(eq(newsletterDeliveries.newsletterId, id), eq(newsletterDeliveries.status, status)))
            )[0]!.n,
          );
        const markedSent = await rowsIn('sent');
        const claimedAtKill = await rowsIn('sending');
        const receivedAtKill = app.mail.messages.filter(mine).length;
        expect(markedSent).toBeGreaterThan(0);
        expect(markedSent).toBeLessThan(total);
        expect(claimedAtKill).toBeLessThanOrEqual(BATCH_SIZE);
        // Every row marked sent was received; what was received beyond that was in flight.
        expect(receivedAtKill).toBeGreaterThanOrEqual(markedSent);
        expect(receivedAtKill - markedSent).toBeLessThanOrEqual(Math.min(claimedAtKill, SEND_CONCURRENCY));

        // BullMQ hands the killed worker's job to the new one once its lock expires; the rows the
        // killed worker held are taken over once their lease ends.
        await spawnWorker();
        await waitForStatus(app.ctx.db, id, 'sent', 180_000);

        const counts = countByRecipient(app.mail.messages.filter(mine));
        const missing = people.filter((p) => !counts.get(p.email));
        expect(missing).toEqual([]);
        const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
        expect(duplicates).toBeLessThanOrEqual(claimedAtKill);
        expect(duplicates).toBe(receivedAtKill - markedSent);
        expect(await rowsIn('sent')).toBe(total);
      }),
    300_000,
  );
});

describe('an annual report send when the worker is killed', () => {
  (process.env.DATABASE_URL ? test : test.skip)(
    'when the worker is killed mid-run and a new one starts, then every giver gets exactly one report (in flight aside), all under one receipt number',
    () =>
      withWorkerProcesses(async (app, spawnWorker) => {
        const total = 300;
        await setMessagesPerSecond(app.ctx, 200);
        const people = await insertGivers(app.ctx.db, { count: total, tag: 'yearly', year: 2025, months: 3 });
        const mine = (m: { envelopeTo: string[] }) => m.envelopeTo.some((a) => a.startsWith('yearly-'));
        await prepareDraft(app.ctx.db, 2025, null);
        const member = await createStaff(app.ctx.db, { email: 'reports@welgee.example', name: 'R', role: 'staff', password: 'a long enough password' });

        const first = await spawnWorker();
        const started = await startReportSend(app.ctx.db, 2025, member.id);
        expect(started).toMatchObject({ ok: true, recipients: total });
        if (!started.ok) return;

        await app.mail.waitFor(total / 3, mine, 60_000);
        first.kill('SIGKILL');
        await first.exited;
        const receivedAtKill = app.mail.messages.filter(mine).length;
        expect(receivedAtKill).toBeLessThan(total);

        await spawnWorker();
        await waitForStatus(app.ctx.db, started.newsletterId, 'sent', 180_000);

        const received = app.mail.messages.filter(mine);
        const counts = countByRecipient(received);
        expect(people.filter((p) => !counts.get(p.email))).toEqual([]);
        const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
        expect(duplicates).toBeLessThanOrEqual(SEND_CONCURRENCY);
        // One receipt per giver, and a message that arrived twice carries the same number both times.
        const receipts = await app.ctx.db.select().from(annualReceipts).where(eq(annualReceipts.year, 2025));
        expect(receipts).toHaveLength(total);
        const numberOf = new Map(receipts.map((r) => [r.supporterId, r.number]));
        for (const email of [...counts].filter(([, n]) => n > 1).map(([e]) => e)) {
          const person = people.find((p) => p.email === email)!;
          for (const m of received.filter((r) => r.envelopeTo.includes(email))) {
            expect((await parseMail(m.raw)).attachments[0]!.filename).toBe(`combined-receipt-${numberOf.get(person.id)}.pdf`);
          }
        }
        const sent = await app.ctx.db
          .select({ n: sql<string>`count(*)::text` })
          .from(newsletterDeliveries)
          .where(and(eq(newsletterDeliveries.newsletterId, started.newsletterId), eq(newsletterDeliveries.status, 'sent')));
        expect(Number(sent[0]!.n)).toBe(total);
      }),
    300_000,
  );
});
