import { Worker } from 'bullmq';
import { and, eq } from 'drizzle-orm';
import { auditLog } from '../../src/db/schema';
import { connectRedis } from '../../src/lib/queue';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import type { Visitor } from '../helpers/http';
import { adminToken, signInAs } from '../helpers/staff';

// The console's jobs page: counts per queue, failed jobs with their cause in plain words, and a
// retry button that is role-checked, needs the CSRF token and is audited.
describe('jobs page in the staff console', () => {
  let app: TestApp;
  let admin: Visitor;
  let adminId: string;
  let jobId: string;

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    ({ visitor: admin, id: adminId } = await signInAs(app, 'admin'));
    // One email job that fails for good: a worker of our own whose mail server refuses the connection.
    const job = await app.ctx.queues.get('email').add('send-email', { emailId: 1 }, { attempts: 1 });
    jobId = job.id!;
    const connection = connectRedis(app.ctx.config.redisUrl!);
    const worker = new Worker(
      'email',
      async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:2525');
      },
      { connection, prefix: app.ctx.config.queuePrefix },
    );
    await eventually(async () => (await job.getState()) === 'failed' || (await app.ctx.queues.get('email').getJobState(jobId)) === 'failed');
    await worker.close();
    connection.disconnect();
  }, 60_000);
  afterAll(() => app.stop());

  test('when an admin opens /admin/jobs, then each queue shows its counts and the failed job its cause in plain words, inside the console', async () => {
    const { res, html } = await admin.get('/admin/jobs');
    expect(res.status).toBe(200);
    expect(html).toContain('class="admin-nav"');
    expect(html).toContain('<h1>処理の状況</h1>');
    for (const queue of ['メール', '定期処理', 'Stripeとの連携', 'ニュースレターの送信']) expect(html).toContain(`<h2>${queue}</h2>`);
    expect(html).toContain(`data-job="email:${jobId}"`);
    expect(html).toContain('メールの送信');
    expect(html).toContain('相手のサーバーに接続できませんでした。');
    expect(html).toContain(`action="/admin/jobs/email/${jobId}/retry"`);
    expect(html).toContain('href="/admin/jobs/board"');
    const en = await admin.get('/admin/jobs?lang=en');
    expect(en.html).toContain('The other server could not be reached.');
    expect(en.html).toContain('Send an email');
    await admin.get('/admin/jobs?lang=ja');
  });

  test('when staff or finance open the page or post a retry, then 403 and the job stays failed', async () => {
    for (const role of ['staff', 'finance'] as const) {
      const { visitor } = await signInAs(app, role);
      expect((await visitor.get('/admin/jobs')).res.status).toBe(403);
      const token = await adminToken(visitor);
      expect((await visitor.post(`/admin/jobs/email/${jobId}/retry`, { _csrf: token })).res.status).toBe(403);
    }
    expect(await app.ctx.queues.get('email').getJobState(jobId)).toBe('failed');
  });

  test('when a retry comes without the CSRF token, then it is refused and the job stays failed', async () => {
    const { res } = await admin.post(`/admin/jobs/email/${jobId}/retry`, {});
    expect(res.status).toBe(403);
    expect(await app.ctx.queues.get('email').getJobState(jobId)).toBe('failed');
  });

  test.each([
    ['an unknown queue', 'nowhere', '1'],
    ['an unknown job', 'email', '999999'],
    ['a job id with odd characters', 'email', '%00%27'],
  ])('when a retry names %s, then the page answers 404 with a message and the job stays as it was', async (_what, queue, id) => {
    const token = await adminToken(admin);
    const { res, html } = await admin.post(`/admin/jobs/${queue}/${id}/retry`, { _csrf: token });
    expect(res.status).toBe(404);
    expect(html).toContain('その処理は見つかりませんでした。');
    expect(await app.ctx.queues.get('email').getJobState(jobId)).toBe('failed');
  });

  test('when an admin retries the failed job, then it waits to run again and the audit log says who did it', async () => {
    const token = await adminToken(admin);
    const { res, location } = await admin.post(`/admin/jobs/email/${jobId}/retry`, { _csrf: token });
    expect(res.status).toBe(303);
    expect(location).toBe('/admin/jobs?retried');
    expect(await app.ctx.queues.get('email').getJobState(jobId)).toBe('waiting');
    expect((await admin.get('/admin/jobs?retried')).html).toContain('処理をやり直しの列に戻しました。');
    const rows = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'job.retry'), eq(auditLog.staffId, adminId)));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.targetId).toBe(`email:${jobId}`);
    const audit = await admin.get('/admin/audit?action=job.');
    expect(audit.html).toContain('が失敗した処理をやり直しました（処理）');
    expect(audit.html).toContain('<dt>種類</dt><dd>メール</dd>');
  });
});
