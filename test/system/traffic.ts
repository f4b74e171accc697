import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { parseMail } from '../../src/dev/mail-sink';
import { t } from '../../src/lib/i18n';
import { CARD_OK, joinFields } from '../helpers/giving';
import { clientIp, Visitor } from '../helpers/http';
import { CLIENT_IP_HEADER } from '../helpers/proxy';
import type { Cluster } from './cluster';

const artifacts = path.resolve(__dirname, '../artifacts/system');

/** Prints a scenario's figures and keeps them in test/artifacts/system/<name>.json. */
export function report(name: string, figures: Record<string, unknown>): void {
  const lines = Object.entries(figures).map(([k, v]) => `  ${k.padEnd(34)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  process.stdout.write(`\n=== ${name} (${new Date().toISOString()}) ===\n${lines.join('\n')}\n\n`);
  fs.mkdirSync(artifacts, { recursive: true });
  fs.writeFileSync(path.join(artifacts, `${name}.json`), JSON.stringify({ at: new Date().toISOString(), node: process.version, ...figures }, null, 2));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs task(i) for i = 0 … count-1, `concurrency` at a time. */
export async function inPool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Runs task() `concurrency` at a time until isDone() says stop (checked before each start). */
export async function inPoolUntil(isDone: () => boolean, concurrency: number, task: () => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!isDone()) await task();
    }),
  );
}

/** Fisher–Yates with a seeded generator, so a failing order can be replayed (SYSTEM_SEED). */
export function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
}

/** An error and its cause in one line (fetch's "fetch failed" says why only in its cause). */
function describeError(err: unknown): string {
  const { message, cause } = err as { message?: string; cause?: { message?: string; code?: string } };
  return [message ?? String(err), cause ? `(${cause.code ?? ''} ${cause.message ?? String(cause)})` : ''].join(' ').trim();
}

export interface JoinOutcome {
  email: string;
  /** Where it stopped: page, join (the form was refused), pay (not paid yet, or refused), paid. */
  stage: 'page' | 'join' | 'pay' | 'paid';
  status?: number;
  retryAfter?: string | null;
  error?: string;
  ms: number;
}

/** A person joining through the proxy: the join page (CSRF token and cookie), then the form; not paid yet. */
export async function startJoin(cluster: Cluster, plan = '5000'): Promise<JoinOutcome & { sessionId?: string }> {
  const fields = joinFields({ plan, newsletter: 'on' });
  const email = fields.email!;
  const started = performance.now();
  const done = (o: Omit<JoinOutcome, 'email' | 'ms'> & { sessionId?: string }) => ({ email, ms: Math.round(performance.now() - started), ...o });
  // Each person from an address of their own, as real joins are (one address may join ten times in ten minutes).
  const visitor = new Visitor(cluster.proxy.url, { [CLIENT_IP_HEADER]: clientIp() });
  try {
    const page = await visitor.get('/family');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
    if (page.res.status !== 200 || !token) return done({ stage: 'page', status: page.res.status, retryAfter: page.res.headers.get('retry-after') });
    const { res, location } = await visitor.post('/family/join', { ...fields, _csrf: token });
    const sessionId = location ? /\/(cs_\w+)/.exec(location)?.[1] : undefined;
    if (res.status !== 303 || !sessionId) return done({ stage: 'join', status: res.status, retryAfter: res.headers.get('retry-after') });
    return done({ stage: 'pay', status: 303, sessionId });
  } catch (err) {
    return done({ stage: 'page', error: describeError(err) });
  }
}

/** Pays a started join on Checkout with the test card. */
export async function pay(cluster: Cluster, join: JoinOutcome & { sessionId?: string }): Promise<JoinOutcome> {
  if (!join.sessionId) return join;
  const paid = await cluster.stripe.payCheckoutSession(join.sessionId, CARD_OK);
  return paid.ok ? { ...join, stage: 'paid' } : { ...join, error: paid.error };
}

/** A person joining through the proxy and paying on Checkout. */
export async function joinAndPay(cluster: Cluster, plan = '5000'): Promise<JoinOutcome> {
  const started = performance.now();
  const outcome = await pay(cluster, await startJoin(cluster, plan));
  return { ...outcome, ms: Math.round(performance.now() - started) };
}

/** Counts of outcomes by stage and status, e.g. { "paid 303": 280, "join 500": 20 }. */
export function outcomesOf(joins: JoinOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const j of joins) {
    const key = `${j.stage} ${j.status ?? j.error ?? ''}`.trim();
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export interface LoadFigures {
  requests: number;
  failed: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Per status, how many answers carried a Retry-After header. */
  retryAfter: Record<string, number>;
  /** The first failures: when, what, why. */
  failures: string[];
}

/** GET requests through the proxy, `concurrency` at a time, until stop(); every non-2xx/3xx answer or error is a failure. */
export function startLoad(baseUrl: string, paths: string[], concurrency: number): { stop(): Promise<LoadFigures> } {
  let stopping = false;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const retryAfter: Record<string, number> = {};
  const failures: string[] = [];
  let failed = 0;
  let n = 0;
  const one = async () => {
    const p = paths[n++ % paths.length]!;
    const started = performance.now();
    let outcome: string;
    try {
      const res = await fetch(baseUrl + p, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
      const body = await res.text();
      outcome = String(res.status);
      if (res.headers.has('retry-after')) retryAfter[outcome] = (retryAfter[outcome] ?? 0) + 1;
      if (res.status >= 400 && failures.length < 20) failures.push(`${new Date().toISOString()} GET ${p} → ${res.status} ${body.slice(0, 120)}`);
    } catch (err) {
      outcome = 'error';
      if (failures.length < 20) failures.push(`${new Date().toISOString()} GET ${p} → ${describeError(err)}`);
    }
    latencies.push(performance.now() - started);
    statuses[outcome] = (statuses[outcome] ?? 0) + 1;
    if (outcome === 'error' || Number(outcome) >= 400) failed++;
  };
  const running = inPoolUntil(() => stopping, concurrency, one);
  return {
    async stop() {
      stopping = true;
      await running;
      return {
        requests: latencies.length,
        failed,
        statuses,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: percentile(latencies, 100),
        retryAfter,
        failures,
      };
    },
  };
}

interface Backlog {
  gifts: number;
  emails: number;
  emailsQueued: number;
  outboxPending: number;
  eventsPending: number;
}

export async function backlogOf(cluster: Cluster): Promise<Backlog> {
  const result = (await cluster.db.execute(sql`SELECT
      (SELECT count(*) FROM donations WHERE entry = 'gift')::int AS gifts,
      (SELECT count(*) FROM emails WHERE template IN ('welcome', 'receipt'))::int AS emails,
      (SELECT count(*) FROM emails WHERE status = 'queued')::int AS "emailsQueued",
      (SELECT count(*) FROM outbox WHERE dispatched_at IS NULL)::int AS "outboxPending",
      (SELECT count(*) FROM stripe_events WHERE processed_at IS NULL)::int AS "eventsPending"`)) as unknown as { rows: Backlog[] };
  return result.rows[0]!;
}

/** Jobs not finished yet (active, waiting, prioritized) over every queue. */
export async function unfinishedJobs(cluster: Cluster): Promise<number> {
  const counts = await cluster.jobCounts();
  return Object.values(counts).reduce((sum, c) => sum + (c.active ?? 0) + (c.waiting ?? 0) + (c.prioritized ?? 0), 0);
}

/**
 * Waits until every paid join is a gift with its welcome and receipt emails sent and received, and
 * nothing is left in the outbox, the inbox or the queues. Resolves to the milliseconds it took.
 */
export async function waitUntilSettled(cluster: Cluster, paid: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let last: (Backlog & { received: number; jobs: number }) | undefined;
  try {
    await waitFor(
      async () => {
        cluster.checkAlive();
        const backlog = await backlogOf(cluster);
        last = { ...backlog, received: cluster.messages().length, jobs: await unfinishedJobs(cluster) };
        return (
          backlog.gifts >= paid &&
          backlog.emails >= 2 * paid &&
          backlog.emailsQueued === 0 &&
          backlog.outboxPending === 0 &&
          backlog.eventsPending === 0 &&
          last.received >= 2 * paid &&
          last.jobs === 0
        );
      },
      timeoutMs,
      500,
    );
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('a process crashed')) throw err;
    throw new Error(`not settled after ${timeoutMs} ms (${paid} paid joins): ${JSON.stringify(last)}`, { cause: err });
  }
  return Date.now() - started;
}

/**
 * Polls until fn is true; throws after timeoutMs (a bound for waiting, not a measured figure). An error
 * fn throws is retried, except a crashed process (checkAlive), which ends the wait at once.
 */
export async function waitFor(fn: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await fn()) return;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('a process crashed')) throw err;
      lastError = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}

/**
 * Rows written without the rest of their transaction: an event without its processing job, an email
 * without its send job, a supporter without the consent they gave, a gift without its receipt number.
 * Each count should be 0.
 */
export async function halfStored(cluster: Cluster): Promise<Record<string, number>> {
  const result = (await cluster.db.execute(sql`SELECT
      (SELECT count(*) FROM stripe_events e WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.job_name = 'process-stripe-event' AND o.payload->>'eventId' = e.id))::int AS "eventsWithoutJob",
      (SELECT count(*) FROM emails m WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.job_name = 'send-email' AND (o.payload->>'emailId')::bigint = m.id))::int AS "emailsWithoutJob",
      (SELECT count(*) FROM supporters s WHERE NOT EXISTS (SELECT 1 FROM consents c WHERE c.supporter_id = s.id AND c.purpose = 'privacy_policy'))::int AS "supportersWithoutConsent",
      (SELECT count(*) FROM donations WHERE entry = 'gift' AND receipt_number IS NULL)::int AS "giftsWithoutReceiptNumber"`)) as unknown as { rows: Record<string, number>[] };
  return result.rows[0]!;
}

export interface GivingCheck {
  figures: Record<string, unknown>;
  /** Everything that is not exactly once; empty when all is well. */
  problems: string[];
}

/**
 * Checks every exit door of the paid joins: one gift each (and none for anyone else), receipt numbers
 * unique and gapless per year, one subscription, one welcome and one receipt email each in `emails`
 * and in the sinks (the receipt carrying the gift's number), every emulator event stored and processed.
 */
export async function checkGiving(cluster: Cluster, paidEmails: string[]): Promise<GivingCheck> {
  const problems: string[] = [];
  const problem = (text: string) => problems.length < 50 && problems.push(text);
  const paid = new Set(paidEmails.map((e) => e.toLowerCase()));
  const rows = <T>(q: ReturnType<typeof sql>) => cluster.db.execute(q).then((r) => (r as unknown as { rows: T[] }).rows);

  const gifts = await rows<{ email: string; receipt: string | null; invoice: string | null }>(sql`
    SELECT lower(s.email) AS email, d.receipt_number AS receipt, d.stripe_invoice_id AS invoice
    FROM donations d JOIN supporters s ON s.id = d.supporter_id WHERE d.entry = 'gift'`);
  const giftsBy = new Map<string, typeof gifts>();
  for (const g of gifts) giftsBy.set(g.email, [...(giftsBy.get(g.email) ?? []), g]);
  for (const email of paid) if ((giftsBy.get(email)?.length ?? 0) !== 1) problem(`${email}: ${giftsBy.get(email)?.length ?? 0} gifts`);
  for (const email of giftsBy.keys()) if (!paid.has(email)) problem(`${email}: a gift without a paid join`);

  const byYear = new Map<string, number[]>();
  for (const g of gifts) {
    const match = /^(\d{4})-(\d{6})$/.exec(g.receipt ?? '');
    if (!match) {
      problem(`gift of ${g.email}: receipt number ${g.receipt}`);
      continue;
    }
    byYear.set(match[1]!, [...(byYear.get(match[1]!) ?? []), Number(match[2])]);
  }
  const receiptRanges: Record<string, string> = {};
  for (const [year, numbers] of byYear) {
    numbers.sort((a, b) => a - b);
    const gapless = numbers.every((n, i) => n === i + 1);
    receiptRanges[year] = `${year}-000001..${year}-${String(numbers.length).padStart(6, '0')}${gapless ? '' : ' NOT GAPLESS'}`;
    if (!gapless) problem(`receipt numbers of ${year} are not 1..${numbers.length}: ${numbers.slice(0, 20).join(',')}…`);
  }

  const subscriptions = await rows<{ email: string; n: number; active: number }>(sql`
    SELECT lower(s.email) AS email, count(*)::int AS n, count(*) FILTER (WHERE b.status = 'active')::int AS active
    FROM subscriptions b JOIN supporters s ON s.id = b.supporter_id GROUP BY 1`);
  const subsBy = new Map(subscriptions.map((s) => [s.email, s]));
  for (const email of paid) if (subsBy.get(email)?.n !== 1 || subsBy.get(email)?.active !== 1) problem(`${email}: subscriptions ${JSON.stringify(subsBy.get(email) ?? null)}`);

  const emailRows = await rows<{ email: string; template: string; status: string; n: number }>(sql`
    SELECT lower(to_address) AS email, template, status, count(*)::int AS n FROM emails GROUP BY 1, 2, 3`);
  const emailsBy = new Map<string, string[]>();
  for (const r of emailRows) for (let i = 0; i < r.n; i++) emailsBy.set(r.email, [...(emailsBy.get(r.email) ?? []), `${r.template}:${r.status}`]);
  for (const email of paid) {
    const got = (emailsBy.get(email) ?? []).sort().join(',');
    if (got !== 'receipt:sent,welcome:sent') problem(`${email}: emails rows ${got || 'none'}`);
  }

  const welcome = { ja: t('ja', 'email.welcome.subject'), en: t('en', 'email.welcome.subject') };
  const receiptSubject = /^(?:ご寄付の領収書（|Your receipt \()(\d{4}-\d{6})[）)]$/;
  const received = new Map<string, string[]>();
  let others = 0;
  for (const m of cluster.messages()) {
    const to = m.envelopeTo.map((a) => a.toLowerCase()).find((a) => paid.has(a));
    if (!to) {
      others++;
      continue;
    }
    const subject = (await parseMail(m.raw)).subject ?? '';
    const number = receiptSubject.exec(subject)?.[1];
    const kind = subject === welcome.ja || subject === welcome.en ? 'welcome' : number ? `receipt ${number}` : `other: ${subject}`;
    received.set(to, [...(received.get(to) ?? []), kind]);
  }
  let duplicates = 0;
  for (const email of paid) {
    const got = (received.get(email) ?? []).sort();
    const receipt = giftsBy.get(email)?.[0]?.receipt;
    duplicates += Math.max(0, got.length - 2);
    if (got.join(',') !== `receipt ${receipt},welcome`) problem(`${email}: received ${got.join(', ') || 'nothing'} (gift ${receipt})`);
  }

  const inbox = await rows<{ id: string; processed: boolean; attempts: number }>(sql`SELECT id, processed_at IS NOT NULL AS processed, attempts FROM stripe_events`);
  const stored = new Set(inbox.filter((e) => e.processed).map((e) => e.id));
  const events = cluster.stripe.events().filter((e) => !cluster.setupEventIds.has(e.id));
  const unstored = events.filter((e) => !stored.has(e.id));
  if (unstored.length > 0)
    problem(
      `${unstored.length} emulator events not stored and processed, e.g. ${unstored
        .slice(0, 3)
        .map((e) => `${e.id} ${e.type}`)
        .join(', ')}`,
    );

  return {
    figures: {
      gifts: gifts.length,
      receiptNumbers: receiptRanges,
      emailRows: emailRows.filter((r) => paid.has(r.email)).reduce((s, r) => s + r.n, 0),
      messagesToJoiners: [...received.values()].reduce((s, v) => s + v.length, 0),
      duplicateMessages: duplicates,
      otherMessages: others,
      stripeEvents: events.length,
      firstProblems: problems.slice(0, 5),
      // Events whose processing failed at least once and was retried by BullMQ (e.g. a refund before its gift).
      eventsRetried: inbox.filter((e) => e.attempts > 1).length,
      maxEventAttempts: Math.max(0, ...inbox.map((e) => e.attempts)),
    },
    problems,
  };
}
