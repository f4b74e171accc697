// Newsletter sending through the whole pipeline (delivery rows, claims, rendering, pooled SMTP, marking
// each row, the shared Redis pace), against raw pooled nodemailer sending the same rendered messages to
// the same local SMTP server in the same run; then the pipeline's peak memory at two audience sizes,
// each in its own process. Needs PostgreSQL (DATABASE_URL, default the local `test` server) and Redis.
// Usage: npx tsx bench/newsletter-send.ts [recipients=10000] [memory sizes=10000,100000] [--keep]
// BENCH_MEMORY_TRACE=1 prints each memory run's heap every 5 s; BENCH_HEAP_PROFILE=file.json writes a
// sampling heap profile of the first 45 s that keeps objects a full collection freed but not those a
// scavenge freed: where the bytes promoted to the old generation were allocated.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import nodemailer, { type SendMailOptions, type TransportOptions } from 'nodemailer';
import { benchDatabase } from './bench-database';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../config';
import { createContext, type AppContext } from '../src/context';
import { newsletters } from '../src/db/schema';
import { startMailSink, type MailSink } from '../src/dev/mail-sink';
import { sendNewsletter } from '../src/features/newsletters';
import { newsletterSendDeps } from '../jobs/send-newsletter';
import { bulkMessageOf, messageFor, recipientToken, renderIssue } from '../src/features/newsletters/newsletter-email';
import { SEND_CONCURRENCY } from '../src/features/newsletters/send';
import { senderAddress } from '../src/lib/bulk-mail';
import { createBulkSmtp } from '../src/lib/bulk-smtp';
import { startSending } from '../src/features/newsletters/sending.service';
import type { OutgoingMessage, RawMessage } from '../src/lib/mailer';

const TARGET_RATIO = 0.8;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const benchDb = benchDatabase('wf_bench_newsletter');
const dbUrl = benchDb.url;

const BODY_JA = `WELgeeファミリーのみなさま、いつもありがとうございます。\n\n## 今月のできごと\n\n- 新しく**3名**の方が、これまでの経験を活かせる仕事に就きました。\n- 企業向けの説明会を開き、[活動報告](https://www.welgee.jp/)を公開しました。\n\n> 「日本で、もう一度エンジニアとして働けるとは思っていませんでした。」\n\n${'難民としての経験を持つ若者たちが、日本で自分らしく働けるように、伴走を続けています。'.repeat(12)}\n\n来月もどうぞよろしくお願いいたします。`;
const BODY_EN = `Dear WELgee Family, thank you as always.\n\n## This month\n\n- **Three** people started jobs that use their experience.\n- We held a briefing for companies and published our [report](https://www.welgee.jp/).\n\n${'We keep walking alongside young people with refugee backgrounds as they build careers in Japan. '.repeat(10)}`;

async function contextFor(smtpUrl: string): Promise<AppContext> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: dbUrl,
    REDIS_URL: redisUrl,
    SMTP_URL: smtpUrl,
    DATA_DIR: path.join(os.tmpdir(), 'wf-bench-newsletter'),
    QUEUE_PREFIX: `bench-nl-${process.pid}`,
    SESSION_SECRET: 'bench-secret-that-is-long-enough-for-the-schema',
    PUBLIC_URL: 'https://family.welgee.example',
  });
  return createContext(config);
}

const sendDeps = newsletterSendDeps;

async function newIssue(ctx: AppContext, tag: string): Promise<string> {
  const [row] = await ctx.db
    .insert(newsletters)
    .values({
      subjectJa: 'WELgeeファミリー通信 ベンチマーク号',
      subjectEn: 'WELgee Family News, benchmark issue',
      bodyJa: BODY_JA,
      bodyEn: BODY_EN,
      audience: { segment: 'tag', tag },
    })
    .returning();
  return row!.id;
}

/** The whole pipeline: write the rows, then send until the issue is `sent`. Returns seconds. */
async function runPipeline(ctx: AppContext, tag: string): Promise<{ seconds: number; recipients: number }> {
  const id = await newIssue(ctx, tag);
  const started = performance.now();
  const { recipients } = await ctx.db.transaction((tx) => startSending(tx, id, null));
  for (;;) {
    const result = await sendNewsletter(sendDeps(ctx), id, { sliceMs: 3_600_000 });
    if (result.outcome !== 'continued') break;
  }
  return { seconds: (performance.now() - started) / 1000, recipients };
}

interface Baseline {
  /** Messages to send, made beforehand (not timed). */
  messages: OutgoingMessage[];
  copies: RawMessage[];
}

async function baselineMessages(ctx: AppContext, tag: string): Promise<Baseline> {
  const settings = await ctx.settings.get();
  const deps = sendDeps(ctx);
  const content = { subjectJa: 'WELgeeファミリー通信 ベンチマーク号', subjectEn: 'WELgee Family News, benchmark issue', bodyJa: BODY_JA, bodyEn: BODY_EN };
  const issue = { ja: renderIssue(deps, content, 'ja', settings), en: renderIssue(deps, content, 'en', settings) };
  const template = { ja: ctx.mailer.template(bulkMessageOf(deps, issue.ja)), en: ctx.mailer.template(bulkMessageOf(deps, issue.en)) };
  const people = (await ctx.db.execute(
    sql`SELECT s.id::text AS id, s.email, s.locale FROM supporters s JOIN supporter_tags t ON t.supporter_id = s.id AND t.tag = ${tag}`,
  )) as unknown as { rows: { id: string; email: string; locale: 'ja' | 'en' }[] };
  return {
    messages: people.rows.map((p) => messageFor(deps, issue[p.locale], { supporterId: p.id, email: p.email })),
    copies: people.rows.map((p) => template[p.locale].copy(p.email, recipientToken(deps, p.id))),
  };
}

/** Sends `count` items, 10 at a time (the pipeline's lanes). Returns seconds. */
async function tenAtATime(count: number, send: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: SEND_CONCURRENCY }, async () => {
      while (next < count) await send(next++);
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Baseline A: raw pooled nodemailer building and sending the same rendered messages, same pool size. */
async function runNodemailer(ctx: AppContext, smtpUrl: string, baseline: Baseline): Promise<number> {
  const transport = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: 5, maxMessages: 1000 } as TransportOptions);
  const seconds = await tenAtATime(baseline.messages.length, (i) => transport.sendMail({ from: ctx.config.mailFrom, ...baseline.messages[i]! } as SendMailOptions));
  transport.close();
  return baseline.messages.length / seconds;
}

/** Baseline B: the pipeline's own finished copies, made beforehand, over the same kind of connections: SMTP alone. */
async function runFinishedBytes(ctx: AppContext, smtpUrl: string, baseline: Baseline): Promise<number> {
  const smtp = createBulkSmtp({ smtpUrl, connections: 5 });
  const from = senderAddress(ctx.config.mailFrom)!;
  const seconds = await tenAtATime(baseline.copies.length, (i) => smtp.send({ from, to: baseline.copies[i]!.to }, baseline.copies[i]!.raw));
  smtp.close();
  return baseline.copies.length / seconds;
}

async function seed(ctx: AppContext, total: number, memorySizes: number[]) {
  await ctx.db.execute(sql`
    INSERT INTO supporters (email, email_normalized, family_name, given_name, locale, newsletter, status)
    SELECT 'bench' || g || '@bench.example', 'bench' || g || '@bench.example', '山田', '花子' || g,
           CASE WHEN g % 4 = 0 THEN 'en' ELSE 'ja' END, true, 'monthly'
    FROM generate_series(1, ${total}) g`);
  const tagged = async (tag: string, n: number) =>
    ctx.db.execute(sql`INSERT INTO supporter_tags (supporter_id, tag) SELECT id, ${tag} FROM supporters ORDER BY email_normalized LIMIT ${n}`);
  for (const size of new Set(memorySizes)) await tagged(`bench-${size}`, size);
  await ctx.db.execute(sql`ANALYZE`);
}

/** Child: runs the pipeline once for `size` recipients and prints its peak RSS. */
async function child(size: number, smtpUrl: string) {
  let peak = process.memoryUsage().rss;
  let ticks = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
    if (process.env.BENCH_MEMORY_TRACE && ++ticks % 250 === 0) {
      const m = process.memoryUsage();
      const mb = (n: number) => (n / 1048576).toFixed(0);
      process.stderr.write(
        `  ${size}: rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)} MiB\n`,
      );
    }
  }, 20);
  const ctx = await contextFor(smtpUrl);
  if (process.env.BENCH_HEAP_PROFILE) {
    const inspector = await import('node:inspector');
    const fs = await import('node:fs');
    const session = new inspector.Session();
    session.connect();
    const post = (m: string, p?: object) => new Promise<{ profile?: unknown } | undefined>((res, rej) => session.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
    setTimeout(async () => {
      const profile = (await post('HeapProfiler.stopSampling'))?.profile;
      fs.writeFileSync(process.env.BENCH_HEAP_PROFILE!, JSON.stringify(profile));
      process.stderr.write('heap profile written\n');
    }, 45_000);
  }
  const result = await runPipeline(ctx, `bench-${size}`);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  await ctx.close();
  process.stdout.write(JSON.stringify({ size, peakRss: peak, seconds: result.seconds, recipients: result.recipients }) + '\n');
}

function runChild(size: number, smtpUrl: string): Promise<{ size: number; peakRss: number; seconds: number; recipients: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(path.join(__dirname, '..', 'node_modules/.bin/tsx'), [__filename, '--child', String(size), smtpUrl], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`child exited ${code}`))));
  });
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(Number(args[1]), args[2]!);
  const recipients = Number(args[0] ?? 10_000);
  const memorySizes = (args[1] ?? '10000,100000').split(',').map(Number);
  await benchDb.recreate();
  const sink: MailSink = await startMailSink();
  const ctx = await contextFor(sink.url);
  try {
    await seed(ctx, Math.max(recipients, ...memorySizes), [recipients, ...memorySizes]);
    const settings = await ctx.settings.get();
    // The pace is a setting; here it is set far above what this machine can send, to measure the pipeline.
    await ctx.settings.update('newsletter', { ...settings.newsletter, messagesPerSecond: '1000000' });
    const tag = `bench-${recipients}`;
    const ours: number[] = [];
    const raw: number[] = [];
    const bytes: number[] = [];
    const baseline = await baselineMessages(ctx, tag);
    for (let round = 0; round < 2; round++) {
      sink.messages.length = 0;
      raw.push(await runNodemailer(ctx, sink.url, baseline));
      sink.messages.length = 0;
      bytes.push(await runFinishedBytes(ctx, sink.url, baseline));
      sink.messages.length = 0;
      const o = await runPipeline(ctx, tag);
      if (sink.messages.length !== o.recipients) throw new Error(`pipeline delivered ${sink.messages.length} of ${o.recipients}`);
      ours.push(o.recipients / o.seconds);
      process.stdout.write(
        `round ${round + 1}: raw nodemailer ${raw[round]!.toFixed(0)} msg/s, finished bytes ${bytes[round]!.toFixed(0)} msg/s, pipeline ${ours[round]!.toFixed(0)} msg/s (${recipients} recipients)\n`,
      );
    }
    const best = (xs: number[]) => Math.max(...xs);
    const ratio = best(ours) / best(raw);
    process.stdout.write(
      `\nnewsletter-send: pipeline ${best(ours).toFixed(0)} msg/s, raw pooled nodemailer ${best(raw).toFixed(0)} msg/s, ratio ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'met' : 'not met'})\n`,
    );
    process.stdout.write(`  against the same finished bytes over the same connections (SMTP alone, ${best(bytes).toFixed(0)} msg/s): ${(best(ours) / best(bytes)).toFixed(2)}\n`);
    const memory = [];
    for (const size of memorySizes) {
      sink.messages.length = 0;
      const m = await runChild(size, sink.url);
      memory.push(m);
      process.stdout.write(`memory: ${m.recipients} recipients, peak RSS ${(m.peakRss / 1048576).toFixed(0)} MiB, ${(m.recipients / m.seconds).toFixed(0)} msg/s\n`);
    }
    if (memory.length === 2) {
      const growth = memory[1]!.peakRss / memory[0]!.peakRss - 1;
      process.stdout.write(`memory growth ${memorySizes[0]} → ${memorySizes[1]}: ${(growth * 100).toFixed(0)} %\n`);
    }
    process.stdout.write(`Node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}\n`);
  } finally {
    await ctx.close();
    await sink.stop();
    if (!process.argv.includes('--keep')) await benchDb.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
