import { eq, sql } from 'drizzle-orm';
import { outbox, emails } from '../../src/db/schema';
import { queueEmail } from '../../src/features/emails';
import { parseMail } from '../../src/dev/mail-sink';
import { startLocalRedis } from '../../src/lib/local-redis';
import { requeueLostJobs } from '../../src/lib/outbox';
import { isJobName, jobContracts } from '../../src/lib/job-contracts';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { tempDir } from '../helpers/services';

describe('outbox → queue → job → SMTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  test('when a change commits with an email job, then the job runs and the email arrives over SMTP', async () => {
    const to = `outbox-${Date.now()}@example.jp`;
    const emailId = (await app.ctx.db.transaction((tx) => queueEmail(tx, { template: 'test-message', to, locale: 'ja', params: { note: '<b>注記</b>' } })))!;

    const [received] = await app.mail.waitFor(1, (m) => m.envelopeTo.includes(to));
    const parsed = await parseMail(received!.raw);
    expect(parsed.subject).toBe('WELgeeファミリー: メール送信のテスト');
    expect(parsed.text).toContain('メール送信の設定は正しく動いています');
    expect(parsed.html).toContain('&lt;b&gt;注記&lt;/b&gt;');
    expect(parsed.from?.address).toBe('family@welgee.example');

    const row = await eventually(async () => {
      const [r] = await app.ctx.db.select().from(emails).where(eq(emails.id, emailId));
      return r?.status === 'sent' ? r : undefined;
    });
    expect(row.messageId).toBeTruthy();
    const [box] = await app.ctx.db
      .select()
      .from(outbox)
      .where(sql`${outbox.payload}->>'emailId' = ${String(emailId)}`);
    expect(box?.dispatchedAt).toBeInstanceOf(Date);
  });

  test('when the transaction rolls back, then neither the email nor its job exists', async () => {
    const to = `rollback-${Date.now()}@example.jp`;
    await expect(
      app.ctx.db.transaction(async (tx) => {
        await queueEmail(tx, { template: 'test-message', to, locale: 'en' });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    const rows = await app.ctx.db.select().from(emails).where(eq(emails.toAddress, to));
    expect(rows).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 800));
    expect(app.mail.messages.filter((m) => m.envelopeTo.includes(to))).toHaveLength(0);
  });

  test('when an email is queued without the params its template needs, then it throws and no email is written', async () => {
    const to = `bad-params-${Date.now()}@example.jp`;
    const bad = { template: 'receipt', to, locale: 'ja', params: { donation: 'not-the-id' } } as unknown as Parameters<typeof queueEmail>[1];
    await expect(app.ctx.db.transaction((tx) => queueEmail(tx, bad))).rejects.toThrow(/donationId/);
    expect(await app.ctx.db.select().from(emails).where(eq(emails.toAddress, to))).toHaveLength(0);
  });

  test('when the same outbox row is dispatched twice, then the email is sent once', async () => {
    const to = `twice-${Date.now()}@example.jp`;
    const emailId = await app.ctx.db.transaction((tx) => queueEmail(tx, { template: 'test-message', to, locale: 'en' }));
    await app.mail.waitFor(1, (m) => m.envelopeTo.includes(to));
    // Simulate a crash between queue.add and the dispatched mark: the row looks pending again.
    await app.ctx.db
      .update(outbox)
      .set({ dispatchedAt: null })
      .where(sql`${outbox.payload}->>'emailId' = ${String(emailId)}`);
    await app.ctx.dispatcher.dispatchPending();
    await new Promise((r) => setTimeout(r, 1000));
    expect(app.mail.messages.filter((m) => m.envelopeTo.includes(to))).toHaveLength(1);
  });

  test('when Redis lost a dispatched job, then the sweep queues it again once and the email arrives once; a job Redis still has is left alone', async () => {
    const lostTo = `lost-${Date.now()}@example.jp`;
    const keptTo = `kept-${Date.now()}@example.jp`;
    const keptId = await app.ctx.db.transaction((tx) => queueEmail(tx, { template: 'test-message', to: keptTo, locale: 'en' }));
    await app.mail.waitFor(1, (m) => m.envelopeTo.includes(keptTo));
    // The state Redis leaves behind when it restarts without its last writes: the row says dispatched,
    // Redis has no job outbox-<id>. Both rows look dispatched eleven minutes ago.
    const lostId = await app.ctx.db.transaction(async (tx) => {
      const id = await queueEmail(tx, { template: 'test-message', to: lostTo, locale: 'ja' });
      await tx
        .update(outbox)
        .set({ dispatchedAt: new Date(Date.now() - 11 * 60_000) })
        .where(sql`${outbox.payload}->>'emailId' = ${String(id)}`);
      return id;
    });
    await app.ctx.db
      .update(outbox)
      .set({ dispatchedAt: new Date(Date.now() - 11 * 60_000) })
      .where(sql`${outbox.payload}->>'emailId' = ${String(keptId)}`);
    await new Promise((r) => setTimeout(r, 800));
    expect(app.mail.messages.filter((m) => m.envelopeTo.includes(lostTo))).toHaveLength(0);

    // Two processes sweep at the same moment: the row is marked by one of them.
    const [a, b] = await Promise.all([app.ctx.dispatcher.requeueLost(), requeueLostJobs({ ...sweepOptions(app) })]);
    expect(a + b).toBe(1);
    await app.mail.waitFor(1, (m) => m.envelopeTo.includes(lostTo));
    await eventually(async () => {
      const [r] = await app.ctx.db.select().from(emails).where(eq(emails.id, lostId!));
      return r?.status === 'sent';
    });
    // Queued again, so the next sweep finds its job; the kept one was never touched.
    await eventually(
      async () =>
        (
          await app.ctx.db
            .select()
            .from(outbox)
            .where(sql`${outbox.payload}->>'emailId' = ${String(lostId)}`)
        )[0]?.dispatchedAt,
    );
    await app.ctx.db
      .update(outbox)
      .set({ dispatchedAt: new Date(Date.now() - 11 * 60_000) })
      .where(sql`${outbox.payload}->>'emailId' = ${String(lostId)}`);
    expect(await app.ctx.dispatcher.requeueLost()).toBe(0);
    await new Promise((r) => setTimeout(r, 800));
    expect(app.mail.messages.filter((m) => m.envelopeTo.includes(lostTo))).toHaveLength(1);
    expect(app.mail.messages.filter((m) => m.envelopeTo.includes(keptTo))).toHaveLength(1);
  });
});

/** What a second process's dispatcher would sweep with: the same database and queues. */
function sweepOptions(app: TestApp) {
  return {
    db: app.ctx.db,
    logger: app.ctx.logger,
    queueFor: (name: string) => (isJobName(name) ? app.ctx.queues.get(jobContracts[name].queue) : undefined),
    isRedisReady: () => true,
  };
}

describe('outbox while Redis is down', () => {
  test('when Redis is stopped, then the job waits in the outbox and runs once Redis is back', async () => {
    const dir = tempDir('wf-redis-down-');
    let redis = await startLocalRedis({ dir });
    const app = await startTestApp({ redisUrl: redis.url });
    try {
      await redis.stop();
      await eventually(async () => app.ctx.queues.connection.status !== 'ready');

      const to = `redis-down-${Date.now()}@example.jp`;
      const emailId = await app.ctx.db.transaction((tx) => queueEmail(tx, { template: 'test-message', to, locale: 'ja' }));
      await new Promise((r) => setTimeout(r, 1500));
      const [pending] = await app.ctx.db
        .select()
        .from(outbox)
        .where(sql`${outbox.payload}->>'emailId' = ${String(emailId)}`);
      expect(pending?.dispatchedAt).toBeNull();
      expect(app.mail.messages.filter((m) => m.envelopeTo.includes(to))).toHaveLength(0);

      redis = await startLocalRedis({ dir, port: redis.port });
      await app.mail.waitFor(1, (m) => m.envelopeTo.includes(to), 30_000);
      const [done] = await app.ctx.db.select().from(outbox).where(eq(outbox.id, pending!.id));
      expect(done?.dispatchedAt).toBeInstanceOf(Date);
    } finally {
      await app.stop();
      await redis.stop();
    }
  });
});
