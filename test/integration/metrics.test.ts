import { and, eq, inArray } from 'drizzle-orm';
import Stripe from 'stripe';
import { jobContracts, queueNames } from '../../src/lib/job-contracts';
import { emails, newsletters, outbox } from '../../src/db/schema';
import { startMailSink, type MailSink } from '../../src/dev/mail-sink';
import { queueEmail } from '../../src/features/emails';
import { startSending } from '../../src/features/newsletters';
import { startLocalRedis } from '../../src/lib/local-redis';
import { createLogger } from '../../src/lib/logger';
import { eventually, startTestApp, TEST_WEBHOOK_SECRET, type TestApp } from '../helpers/app';
import { joinAndPay } from '../helpers/giving';
import { createNewsletter, deliveriesOf, insertSupporters, setMessagesPerSecond } from '../helpers/newsletters';
import { samplesOf, scrape, valueOf } from '../helpers/metrics';
import { tempDir } from '../helpers/services';

const TOKEN = 'metrics-token-0123456789-abcdefghij';
const signer = new Stripe('sk_test_signer');

/** Posts a correctly signed webhook event of a type nobody handles (stored, then ignored by its job). */
async function postIgnoredEvent(app: TestApp, id: string, headers: Record<string, string> = {}) {
  const payload = JSON.stringify({
    id,
    object: 'event',
    type: 'customer.tax_id.created',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: { id: 'txi_1', object: 'tax_id' } },
  });
  return fetch(`${app.url}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signer.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET }), ...headers },
    body: payload,
  });
}

describe('GET /metrics access', () => {
  let open: TestApp;
  let guarded: TestApp;
  beforeAll(async () => {
    [open, guarded] = await Promise.all([startTestApp({ worker: false }), startTestApp({ worker: false, env: { METRICS_TOKEN: TOKEN } })]);
  });
  afterAll(() => Promise.all([open?.stop(), guarded?.stop()]));

  const get = (app: TestApp, headers: Record<string, string> = {}) => fetch(`${app.url}/metrics`, { headers });

  test('when no token is configured and the request comes straight from loopback, then 200 in the Prometheus text format', async () => {
    const res = await get(open);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE welgee_http_request_duration_seconds histogram');
    expect(text).toContain('welgee_process_cpu_user_seconds_total');
    expect(text).toContain('welgee_nodejs_eventloop_lag_seconds');
  });

  test('when the request came through a proxy (a forwarding header), then 404 even over loopback', async () => {
    const proxied: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.7' },
      { forwarded: 'for=203.0.113.7' },
      { 'x-real-ip': '203.0.113.7' },
      { 'x-forwarded-for': '127.0.0.1' },
    ];
    for (const headers of proxied) {
      const res = await get(open, headers);
      expect({ headers, status: res.status }).toEqual({ headers, status: 404 });
      expect(await res.text()).not.toContain('welgee_');
    }
  });

  test('when a bearer token is sent but none is configured, then 401', async () => {
    const res = await get(open, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('welgee_');
  });

  test('when a token is configured, then only the right bearer token opens it, from anywhere', async () => {
    expect((await get(guarded)).status).toBe(404);
    expect((await get(guarded, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(404);
    for (const wrong of [`Bearer ${TOKEN.slice(0, -1)}x`, `Bearer ${TOKEN}x`, 'Bearer short', `Basic ${TOKEN}`, TOKEN]) {
      const res = await get(guarded, { authorization: wrong });
      expect({ wrong, status: res.status }).toEqual({ wrong, status: 401 });
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    const ok = await get(guarded, { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.7' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('welgee_http_request_duration_seconds');
  });

  test('when two apps run in one process, then each counts only its own requests', async () => {
    const label = { method: 'GET', route: '/healthz', status: '2xx' };
    const before = valueOf(await scrape(guarded, TOKEN), 'welgee_http_request_duration_seconds_count', label);
    for (let i = 0; i < 3; i += 1) await fetch(`${open.url}/healthz`);
    expect(valueOf(await scrape(open), 'welgee_http_request_duration_seconds_count', label)).toBeGreaterThanOrEqual(3);
    expect(valueOf(await scrape(guarded, TOKEN), 'welgee_http_request_duration_seconds_count', label)).toBe(before);
  });

  test('when URLs carry ids and tokens, then the route label is the pattern, and unknown paths are "unmatched"', async () => {
    await fetch(`${open.url}/unsubscribe/secret-token-value`);
    await fetch(`${open.url}/no/such/page/12345`);
    await fetch(`${open.url}/assets/favicon.svg`);
    const samples = await scrape(open);
    const routes = new Set(samplesOf(samples, 'welgee_http_request_duration_seconds_count').map((s) => s.labels.route));
    expect([...routes]).toEqual(expect.arrayContaining(['/unsubscribe/:token', 'unmatched', '/assets/*']));
    expect([...routes].filter((r) => /secret-token|12345/.test(r!))).toEqual([]);
  });
});

describe('metrics of the work done', () => {
  let app: TestApp;
  let sink: MailSink;
  // Per address: how the receiving server answers RCPT TO.
  const refusals = new Map<string, { code: number; message: string }>();
  beforeAll(async () => {
    sink = await startMailSink({ rejectRecipient: (address) => refusals.get(address.toLowerCase()) });
    app = await startTestApp({ env: { SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await app?.stop();
    await sink?.stop();
  });

  test('when a supporter joins and pays, then request, webhook lag and job figures move, and the jobs carry the webhook request ids', async () => {
    const before = await scrape(app);
    const { supporter } = await joinAndPay(app);
    await eventually(async () => {
      const sent = await app.ctx.db.select().from(emails).where(eq(emails.supporterId, supporter.id));
      return sent.length >= 2 && sent.every((e) => e.status === 'sent');
    }, 30_000);

    let after = before;
    const moved = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    // Counters move just after the work they count (a job is counted once its processor returned): wait for all.
    await eventually(async () => {
      after = await scrape(app);
      return (
        moved('welgee_stripe_webhook_lag_seconds_count', { type: 'invoice.paid' }) >= 1 &&
        moved('welgee_stripe_webhook_lag_seconds_count', { type: 'checkout.session.completed' }) >= 1 &&
        moved('welgee_jobs_completed_total', { queue: 'billing', job: 'process-stripe-event' }) >= 3 &&
        moved('welgee_jobs_completed_total', { queue: 'email', job: 'send-email' }) >= 2
      );
    });
    expect(moved('welgee_http_request_duration_seconds_count', { method: 'POST', route: '/family/join', status: '3xx' })).toBe(1);
    expect(moved('welgee_http_request_duration_seconds_count', { method: 'POST', route: '/webhooks/stripe', status: '2xx' })).toBeGreaterThanOrEqual(3);
    expect(moved('welgee_stripe_webhook_lag_seconds_count', { type: 'invoice.paid' })).toBe(1);
    expect(moved('welgee_stripe_webhook_lag_seconds_count', { type: 'checkout.session.completed' })).toBe(1);
    expect(moved('welgee_stripe_webhook_lag_seconds_bucket', { type: 'invoice.paid', le: '+Inf' })).toBe(1);

    // Webhook request → process-stripe-event job → receipt and welcome emails: one request id all along.
    const sent = await app.ctx.db.select({ id: emails.id }).from(emails).where(eq(emails.supporterId, supporter.id));
    const emailRows = (await app.ctx.db.select().from(outbox).where(eq(outbox.jobName, 'send-email'))).filter((r) =>
      sent.some((e) => (r.payload as { emailId: number }).emailId === e.id),
    );
    const eventRows = await app.ctx.db.select().from(outbox).where(eq(outbox.jobName, 'process-stripe-event'));
    expect(emailRows).toHaveLength(sent.length);
    for (const row of emailRows) {
      expect(row.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(eventRows.map((r) => r.requestId)).toContain(row.requestId);
    }
  });

  test('when the metrics are scraped, then every queue has its depth by state and the outbox its backlog', async () => {
    const samples = await scrape(app);
    for (const queue of queueNames) {
      for (const state of ['waiting', 'active', 'delayed', 'prioritized', 'failed']) {
        expect({ queue, state, found: samplesOf(samples, 'welgee_queue_jobs', { queue, state }).length }).toEqual({ queue, state, found: 1 });
      }
    }
    expect(valueOf(samples, 'welgee_scrape_source_ok', { source: 'queues' })).toBe(1);
    expect(valueOf(samples, 'welgee_scrape_source_ok', { source: 'outbox' })).toBe(1);
    expect(Number.isInteger(valueOf(samples, 'welgee_outbox_pending_jobs'))).toBe(true);
    expect(valueOf(samples, 'welgee_outbox_oldest_pending_seconds')).toBeGreaterThanOrEqual(0);
  });

  test('when rows wait in the outbox, then the backlog gauge counts them', async () => {
    await app.ctx.dispatcher.stop();
    try {
      const before = valueOf(await scrape(app), 'welgee_outbox_pending_jobs');
      await app.ctx.db.transaction(async (tx) => {
        for (let i = 0; i < 3; i += 1) await queueEmail(tx, { template: 'test-message', to: `backlog-${Date.now()}-${i}@example.jp`, locale: 'ja' });
      });
      const samples = await scrape(app);
      expect(valueOf(samples, 'welgee_outbox_pending_jobs') - before).toBe(3);
      expect(valueOf(samples, 'welgee_outbox_oldest_pending_seconds')).toBeGreaterThanOrEqual(0);
    } finally {
      app.ctx.dispatcher.start();
    }
    await eventually(async () => valueOf(await scrape(app), 'welgee_outbox_pending_jobs') === 0);
  });

  test('when a job fails, then the worker counts the failure for its queue and job', async () => {
    const label = { queue: 'billing', job: 'process-stripe-event' };
    const before = valueOf(await scrape(app), 'welgee_jobs_failed_total', label);
    // An invoice the Stripe API does not know: the handler's re-read fails, so the job fails and retries.
    const payload = JSON.stringify({
      id: `evt_missing_${Date.now()}`,
      object: 'event',
      type: 'invoice.paid',
      api_version: '2026-10-28.endive',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { id: 'in_does_not_exist', object: 'invoice' } },
    });
    const res = await fetch(`${app.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signer.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET }) },
      body: payload,
    });
    expect(res.status).toBe(200);
    await eventually(async () => valueOf(await scrape(app), 'welgee_jobs_failed_total', label) > before, 20_000);
  });

  test('when a newsletter is sent and the server refuses some addresses, then sent and failed messages and SMTP errors by kind are counted', async () => {
    await setMessagesPerSecond(app.ctx, 1000);
    const people = await insertSupporters(app.ctx.db, { count: 4, tag: 'metrics-news' });
    refusals.set(people[1]!.email.toLowerCase(), { code: 550, message: '5.1.1 no such user' });
    refusals.set(people[2]!.email.toLowerCase(), { code: 451, message: '4.3.0 try again later' });
    const before = await scrape(app);
    const id = await createNewsletter(app.ctx.db, { tag: 'metrics-news' });
    await app.ctx.db.transaction((tx) => startSending(tx, id, null));
    await eventually(async () => {
      const rows = [...(await deliveriesOf(app.ctx.db, id)).values()];
      return rows.filter((r) => r.status === 'sent').length === 2 && rows.some((r) => r.status === 'failed') && rows.some((r) => r.attempts > 0 && r.status === 'queued');
    }, 20_000);
    let after = before;
    const moved = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    await eventually(async () => {
      after = await scrape(app);
      return ['sent', 'failed', 'retried'].every((outcome) => moved('welgee_newsletter_messages_total', { kind: 'newsletter', outcome }) >= 1);
    });
    expect(moved('welgee_newsletter_messages_total', { kind: 'newsletter', outcome: 'sent' })).toBe(2);
    expect(moved('welgee_newsletter_messages_total', { kind: 'newsletter', outcome: 'failed' })).toBe(1);
    expect(moved('welgee_newsletter_messages_total', { kind: 'newsletter', outcome: 'retried' })).toBe(1);
    expect(moved('welgee_smtp_errors_total', { kind: 'permanent', path: 'bulk' })).toBe(1);
    expect(moved('welgee_smtp_errors_total', { kind: 'temporary', path: 'bulk' })).toBe(1);
    // The refused-for-now address would be tried again later: not in this test.
    await app.ctx.db.update(newsletters).set({ status: 'paused' }).where(eq(newsletters.id, id));
  });

  test('when a single email is refused for good, then a permanent SMTP error of the single path is counted', async () => {
    const to = `refused-${Date.now()}@example.jp`;
    refusals.set(to, { code: 550, message: '5.1.1 no such user' });
    const before = valueOf(await scrape(app), 'welgee_smtp_errors_total', { kind: 'permanent', path: 'single' });
    const emailId = await app.ctx.db.transaction((tx) => queueEmail(tx, { template: 'test-message', to, locale: 'ja' }));
    await eventually(async () => {
      const [row] = await app.ctx.db.select().from(emails).where(eq(emails.id, emailId!));
      return row?.status === 'failed';
    }, 20_000);
    expect(valueOf(await scrape(app), 'welgee_smtp_errors_total', { kind: 'permanent', path: 'single' }) - before).toBe(1);
  });
});

describe('request ids', () => {
  let app: TestApp;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    app = await startTestApp();
    // The job's log lines, as the worker writes them (the test app's own logger is silent).
    app.ctx.logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
  });
  afterAll(() => app?.stop());

  test('when a request sends a sane X-Request-Id, then it is echoed and carried into the job it causes: outbox row, job data, log lines', async () => {
    const requestId = `trace-${Date.now()}.abc_DEF`;
    const eventId = `evt_reqid_${Date.now()}`;
    const res = await postIgnoredEvent(app, eventId, { 'x-request-id': requestId });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(requestId);

    const [row] = await app.ctx.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.jobName, 'process-stripe-event'), inArray(outbox.requestId, [requestId])));
    expect(row?.payload).toEqual({ eventId });
    const done = await eventually(async () => lines.find((l) => l.msg === 'job done' && l.jobId === `outbox-${row!.id}`));
    expect(done).toMatchObject({ requestId, queue: 'billing', job: 'process-stripe-event' });
    expect(lines.find((l) => l.msg === 'process-stripe-event' && l.eventId === eventId)).toMatchObject({ requestId, result: 'ignored' });
    const job = await app.ctx.queues.get(jobContracts['process-stripe-event'].queue).getJob(`outbox-${row!.id}`);
    expect(job?.data).toEqual({ eventId, _requestId: requestId });
  });

  test('when a form is posted (body parsed) with an id, then the job it writes carries that id', async () => {
    const requestId = `login-${Date.now()}`;
    const page = await fetch(`${app.url}/me`);
    const cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const res = await fetch(`${app.url}/me/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-request-id': requestId },
      body: new URLSearchParams({ email: `nobody-${Date.now()}@example.jp`, _csrf: csrf }),
      redirect: 'manual',
    });
    expect(res.status).toBeLessThan(400);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    const rows = await app.ctx.db.select().from(outbox).where(eq(outbox.requestId, requestId));
    expect(rows.map((r) => r.jobName)).toEqual(['send-login-link']);
    await eventually(async () => lines.find((l) => l.msg === 'job done' && l.job === 'send-login-link' && l.requestId === requestId));
  });

  test('when the inbound X-Request-Id is too long, has odd characters, HTML or comes twice, then a new UUID replaces it', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const bad of ['a'.repeat(65), '<script>alert(1)</script>', 'id with spaces', 'tab\there', 'ünïcödé', 'a,b', '']) {
      const res = await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': bad } });
      expect({ bad, id: res.headers.get('x-request-id') }).toEqual({ bad, id: expect.stringMatching(uuid) });
    }
    const twice = new Headers();
    twice.append('x-request-id', 'first');
    twice.append('x-request-id', 'second');
    expect((await fetch(`${app.url}/healthz`, { headers: twice })).headers.get('x-request-id')).toMatch(uuid);
    expect((await fetch(`${app.url}/healthz`)).headers.get('x-request-id')).toMatch(uuid);
    expect((await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'a'.repeat(64) } })).headers.get('x-request-id')).toBe('a'.repeat(64));
  });
});

describe('metrics while Redis is down', () => {
  test('when Redis stops, then /metrics still answers, without queue depths and with the source marked not ok', async () => {
    const redis = await startLocalRedis({ dir: tempDir('wf-metrics-redis-') });
    const app = await startTestApp({ redisUrl: redis.url, worker: false });
    try {
      await redis.stop();
      await eventually(async () => app.ctx.queues.connection.status !== 'ready');
      const samples = await scrape(app);
      expect(valueOf(samples, 'welgee_scrape_source_ok', { source: 'queues' })).toBe(0);
      expect(samplesOf(samples, 'welgee_queue_jobs')).toEqual([]);
      expect(valueOf(samples, 'welgee_scrape_source_ok', { source: 'outbox' })).toBe(1);
    } finally {
      await app.stop();
      await redis.stop();
    }
  });
});
