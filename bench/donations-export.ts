// Finance export speed and memory: the donations CSV as the console streams it (writeDonationsExport, one
// cursor read 1,000 ledger rows at a time, into a sink that discards) against PostgreSQL writing the same rows itself
// (psql, COPY (…) TO STDOUT WITH CSV > /dev/null), alternating, in the same run, at ~100,000 and 1,000,000
// rows; then the exporter's peak memory at both sizes, each export in a fresh process of its own.
// Needs PostgreSQL (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test) and psql. Creates its own
// database wf_bench_export on that server, seeds 100,000 supporters and 1,000,000 ledger rows (2020–2026)
// and drops it at the end.
// Usage: npx tsx bench/donations-export.ts [--rounds 3] [--keep] [--reuse] [--breakdown]
//   --keep: leave the database; --reuse: export from a kept one as it is; --breakdown: where ours spends its time.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { benchDatabase } from './bench-database';
import { configFromProcess } from '../config';
import { defaultSettings } from '../config/organisation';
import { openDatabase, type Db } from '../src/db/client';
import { selectArrays } from '../src/db/raw-rows';
import { csvLine } from '../src/lib/csv';
import { shapeOf, writeDonationsExport } from '../src/features/exports/donations-export';
import { ExportEncoder, type Encoding } from '../src/features/exports/encoding';
import type { Format, LedgerFilters } from '../src/features/exports/exports.schemas';
import { ledgerExportPages, ledgerQuery, ledgerTotals } from '../src/features/exports/ledger-rows';

const DATABASE = 'wf_bench_export';
const SUPPORTERS = 100_000;
const LEDGER_ROWS = 1_000_000;
const REFUNDS = 10_000;
const DISPUTES = 300;
const SMALL = 100_000;
const TARGET_RATIO = 0.5;
const TARGET_MEMORY = 0.2;

const { values: opts } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, keep: { type: 'boolean' }, reuse: { type: 'boolean' }, breakdown: { type: 'boolean' }, child: { type: 'string' } },
});
const rounds = Number(opts.rounds);
if (!Number.isInteger(rounds) || rounds < 2) throw new Error(`--rounds must be an integer of at least 2, got ${opts.rounds}`);

const MB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const exportQuery = (f: LedgerFilters, format: Format = 'standard', encoding: Encoding = 'utf8') => ({ ...f, format, encoding, lang: 'ja' as const });

/** A Writable that keeps nothing: counts bytes and lets `onWrite` look at the process between pages. */
function discard(onWrite: () => void = () => undefined) {
  let bytes = 0;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      onWrite();
      done();
    },
  });
  return { stream, bytes: () => bytes };
}

// ---- seeding ------------------------------------------------------------------------------------------

const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
const list = (vs: readonly string[]) => `ARRAY[${vs.map(quote).join(',')}]::text[]`;
/** A stable pseudo-random non-negative number per (row, stream). */
const r = (x: string, stream: number) => `abs(hashint8((${x})::bigint * 64 + ${stream})::bigint)`;

const family = [
  ['佐藤', 'サトウ'],
  ['鈴木', 'スズキ'],
  ['高橋', 'タカハシ'],
  ['田中', 'タナカ'],
  ['伊藤', 'イトウ'],
  ['渡辺', 'ワタナベ'],
  ['山本', 'ヤマモト'],
  ['中村', 'ナカムラ'],
  ['小林', 'コバヤシ'],
  ['加藤', 'カトウ'],
  ['吉田', 'ヨシダ'],
  ['山田', 'ヤマダ'],
  ['佐々木', 'ササキ'],
  ['山口', 'ヤマグチ'],
  ['松本', 'マツモト'],
  ['井上', 'イノウエ'],
  ['長谷川', 'ハセガワ'],
  ['斎藤', 'サイトウ'],
  ['髙橋', 'タカハシ'],
  ['渡邉', 'ワタナベ'],
];
const given = [
  ['太郎', 'タロウ'],
  ['花子', 'ハナコ'],
  ['健', 'ケン'],
  ['翔太', 'ショウタ'],
  ['美咲', 'ミサキ'],
  ['大輔', 'ダイスケ'],
  ['陽菜', 'ヒナ'],
  ['蓮', 'レン'],
  ['結衣', 'ユイ'],
  ['拓也', 'タクヤ'],
  ['さくら', 'サクラ'],
  ['直樹', 'ナオキ'],
  ['由美', 'ユミ'],
  ['誠', 'マコト'],
  ['恵子', 'ケイコ'],
  ['浩', 'ヒロシ'],
];
const latinFamily = ['Smith', 'Nguyễn', 'Garcia', 'Müller', 'Kim', 'Ali', 'Hassan', 'Rahman', 'Okafor', 'Mensah', 'Dubois', 'Silva', 'Yılmaz', 'Tesfaye', 'Chen', "O'Brien"];
const latinGiven = ['James', 'Mary', 'Aung', 'Sophie', 'Ahmed', 'Fatima', 'Daniel', 'Amara', 'Lucas', 'Omar', 'Grace', 'Aisha', 'Jean-Pierre', 'Anh', 'Zainab', 'Kwame'];
const organisations = [
  '株式会社ブリッジ商事',
  'みらいソリューションズ株式会社',
  '一般社団法人サクラテック',
  'ひかり総研株式会社',
  'Tokyo Bay Partners Inc.',
  'Northstar Consulting, LLC',
  'Kizuna Foods K.K.',
  'Harbor Design "HD" Inc.',
];
const payers = ['ヤマダ タロウ', 'サトウ ハナコ', 'カ）ブリッジショウジ', 'スズキ ケン', 'シヤ）サクラテツク', 'タナカ ミサキ', 'グエン アン', 'イトウ ナオキ'];

/** A monthly giver: 35 % of supporters, by number n. */
const isMonthly = (n: string) => `(${r(n, 7)} % 100 < 35)`;
const planOf = (n: string) => `(case when ${r(n, 33)} % 100 < 50 then 1000 when ${r(n, 33)} % 100 < 85 then 5000 else 10000 end)`;
const supporterId = (n: string) => `md5('supporter' || ${n})::uuid`;
// Gifts are spread over the 82 months from 2020-01 to 2026-10 (Japan time).
const MONTHS = 82;
/** A Japan wall-clock moment (timestamp expression) as timestamptz, and its Japan day. */
const tokyo = (local: string) => `((${local}) at time zone 'Asia/Tokyo')`;

async function seed(db: Db): Promise<{ gifts: number }> {
  const run = (text: string) => db.execute(sql.raw(text));
  const step = async (label: string, fn: () => Promise<unknown>) => {
    const started = performance.now();
    await fn();
    console.log(`  ${label.padEnd(34)} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  await step(`supporters (${int(SUPPORTERS)})`, () =>
    run(`
    insert into supporters (id, kind, email, email_normalized, family_name, given_name, family_name_kana, given_name_kana,
                            organisation_name, locale, status, newsletter, created_at, updated_at)
    select ${supporterId('n')}, case when is_org then 'organisation' else 'individual' end,
           'supporter' || n || '@bench.example.jp', 'supporter' || n || '@bench.example.jp',
           case when is_latin then (${list(latinFamily)})[1 + ${r('n', 2)} % ${latinFamily.length}] else (${list(family.map((f) => f[0]!))})[1 + fi] end,
           case when is_latin then (${list(latinGiven)})[1 + ${r('n', 3)} % ${latinGiven.length}] else (${list(given.map((g) => g[0]!))})[1 + gi] end,
           case when is_latin or no_kana then null else (${list(family.map((f) => f[1]!))})[1 + fi] end,
           case when is_latin or no_kana then null else (${list(given.map((g) => g[1]!))})[1 + gi] end,
           case when is_org then (${list(organisations)})[1 + ${r('n', 10)} % ${organisations.length}] end,
           case when is_latin then 'en' else 'ja' end, case when ${isMonthly('n')} then 'monthly' else 'one_time' end,
           ${r('n', 8)} % 100 < 60, timestamptz '2019-12-01' + make_interval(days => (${r('n', 9)} % 2500)::int),
           timestamptz '2019-12-01' + make_interval(days => (${r('n', 9)} % 2500)::int)
    from (select n, ${r('n', 0)} % 100 < 22 as is_latin, ${r('n', 1)} % 100 < 4 as is_org, ${r('n', 4)} % 100 < 10 as no_kana,
                 (${r('n', 5)} % ${family.length})::int as fi, (${r('n', 6)} % ${given.length})::int as gi
          from generate_series(1, ${SUPPORTERS}) n) x`),
  );

  // Monthly givers start in some month and give every month on the same day and hour until they stop.
  const monthly = `
    select n::bigint * 100 + m as key, n, ${planOf('n')} as amount, 'card' as method, 'monthly' as frequency, ${planOf('n')} as plan_amount,
           ${tokyo(`timestamp '2020-01-01' + make_interval(months => m::int, days => (${r('n', 32)} % 28)::int, secs => (${r('n', 34)} % 86400 + ${r('n::bigint * 100 + m', 35)} % 600)::double precision)`)} as received_at
    from generate_series(1, ${SUPPORTERS}) n
    cross join lateral (select ${r('n', 30)} % ${MONTHS} as m0) s
    cross join lateral generate_series(s.m0, s.m0 + ${r('n', 31)} % (${MONTHS} - s.m0)) m
    where ${isMonthly('n')}`;
  const [countRow] = await selectArrays(db, `select count(*)::text from (${monthly}) x`, []);
  const monthlyGifts = Number(countRow![0]);
  const gifts = LEDGER_ROWS - REFUNDS - DISPUTES;
  const oneTime = gifts - monthlyGifts;
  if (oneTime < 0) throw new Error(`more monthly gifts (${monthlyGifts}) than ledger rows`);
  // One-time gifts by anyone, more of them in later years (density grows linearly); 16 % arrive offline.
  const once = `
    select key, 1 + ${r('key', 40)} % ${SUPPORTERS} as n,
           case when kind < 84 then (array[3000, 5000, 5000, 10000, 10000, 30000, 50000, 100000])[1 + ${r('key', 43)} % 8]
                when kind < 96 then (array[10000, 10000, 30000, 50000, 100000, 300000])[1 + ${r('key', 43)} % 6]
                when kind < 98 then (array[100000, 300000, 500000, 1000000])[1 + ${r('key', 43)} % 4]
                else (array[1000, 2000, 3000, 5000])[1 + ${r('key', 43)} % 4] end as amount,
           case when kind < 84 then 'card' when kind < 96 then 'bank_transfer' when kind < 98 then 'corporate' else 'cash' end as method,
           'one_time' as frequency, null::int as plan_amount,
           ${tokyo(`timestamp '2020-01-01' + make_interval(secs => (sqrt((${r('key', 41)} % 1000000) / 1e6) * extract(epoch from interval '${MONTHS} months' + timestamp '2020-01-01' - timestamp '2020-01-01'))::double precision)`)} as received_at
    from (select 1000000000 + j as key, ${r('1000000000 + j', 42)} % 100 as kind from generate_series(1, ${oneTime}) j) o`;
  // Gifts, refunds and disputes are made in a staging table, then written to the ledger in time order,
  // as a real ledger grows (the table's physical order follows received_at).
  await run('create unlogged table bench_ledger (like donations including defaults)');
  await step(`gifts (${int(monthlyGifts)} monthly, ${int(oneTime)} one-time)`, () =>
    run(`
    insert into bench_ledger (supporter_id, entry, amount, fee, net, method, frequency, plan_amount, stripe_invoice_id, stripe_payment_intent_id,
                           stripe_charge_id, received_at, received_on, receipt_number, note, channel, payer_name, bank_fingerprint, created_at)
    select ${supporterId('n')}, 'gift', amount, fee, amount - fee, method, frequency, plan_amount,
           case when frequency = 'monthly' then 'in_1' || substr(md5('in' || key), 1, 24) end,
           case when method = 'card' then 'pi_3' || substr(md5('pi' || key), 1, 24) end,
           case when method = 'card' then 'ch_3' || substr(md5('ch' || key), 1, 24) end,
           received_at, received_on,
           extract(year from received_on) || '-' || lpad((row_number() over (partition by extract(year from received_on) order by received_at, key))::text, 6, '0'),
           case when method = 'bank_transfer' and ${r('key', 45)} % 10 = 0 then 'イベント募金, 会場受付'
                when method = 'corporate' then '法人寄付 "WELgee Night" 協賛'
                when method = 'cash' then '報告会 募金箱'
                when method = 'card' and ${r('key', 45)} % 1000 = 0 then '-匿名希望-' end,
           case when method = 'card' then 'stripe' else 'offline' end,
           case when method in ('bank_transfer', 'corporate') then payer end,
           case when method in ('bank_transfer', 'corporate') then received_on || '|' || amount || '|' || payer || '|' || key end,
           received_at
    from (
      select g.*, (received_at at time zone 'Asia/Tokyo')::date as received_on,
             -- Stripe's fee (3.6 %); a few recent card gifts whose fee is not known yet.
             case when method = 'card' and ${r('key', 44)} % 1000 >= 3 then round(amount * 0.036)::int end as fee,
             (${list(payers)})[1 + ${r('key', 46)} % ${payers.length}] as payer
      from (${monthly} union all ${once}) g
    ) x`),
  );
  await step(`refunds (${int(REFUNDS)}, 1 in 5 partial)`, () =>
    run(`
    insert into bench_ledger (supporter_id, entry, amount, method, frequency, plan_amount, stripe_payment_intent_id, stripe_charge_id,
                           stripe_refund_id, related_donation_id, received_at, received_on, channel, created_at)
    select supporter_id, 'refund', -(case when abs(hashtext(receipt_number || 'partial')) % 5 = 0 then amount / 2 else amount end),
           method, frequency, plan_amount, stripe_payment_intent_id, stripe_charge_id, 're_3' || substr(md5('re' || receipt_number), 1, 24),
           id, at, (at at time zone 'Asia/Tokyo')::date, 'stripe', at
    from (select *, received_at + make_interval(days => 1 + abs(hashtext(receipt_number)) % 14, hours => abs(hashtext(receipt_number)) % 24) as at
          from bench_ledger where entry = 'gift' and channel = 'stripe' order by hashtext(receipt_number || 'refund') limit ${REFUNDS}) g`),
  );
  await step(`disputes (${int(DISPUTES)})`, () =>
    run(`
    insert into bench_ledger (supporter_id, entry, amount, method, frequency, plan_amount, stripe_payment_intent_id, stripe_charge_id,
                           stripe_dispute_id, related_donation_id, received_at, received_on, channel, created_at)
    select supporter_id, 'dispute', -amount, method, frequency, plan_amount, stripe_payment_intent_id, stripe_charge_id,
           'dp_1' || substr(md5('dp' || receipt_number), 1, 24), id, at, (at at time zone 'Asia/Tokyo')::date, 'stripe', at
    from (select d.*, d.received_at + make_interval(days => 30 + abs(hashtext(receipt_number)) % 30) as at
          from bench_ledger d where d.entry = 'gift' and d.channel = 'stripe'
            and not exists (select 1 from bench_ledger t where t.related_donation_id = d.id)
          order by hashtext(d.receipt_number || 'dispute') limit ${DISPUTES}) g`),
  );
  await step('ledger in time order', async () => {
    await run('insert into donations select * from bench_ledger order by received_at');
    await run('drop table bench_ledger');
  });
  // Fresh statistics and hint bits, so that neither side pays for the bulk load.
  await step('vacuum analyze', async () => {
    await run('vacuum analyze supporters');
    await run('vacuum analyze donations');
  });
  return { gifts };
}

// ---- the two sides ------------------------------------------------------------------------------------

/** Ours: the console's export into a sink that discards. */
async function timeOurs(db: Db, filters: LedgerFilters, format: Format = 'standard', encoding: Encoding = 'utf8') {
  const sink = discard();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await writeDonationsExport(db, defaultSettings.accounting, exportQuery(filters, format, encoding), sink.stream);
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6, rows: result.rows, lines: result.lines, bytes: sink.bytes() };
}

/** The export's own SQL with its parameters written in as literals (dates, names of methods: text only). */
function copyStatement(filters: LedgerFilters): string {
  const { text, params } = ledgerQuery(filters);
  const inlined = text.replace(/\$(\d+)/g, (_, i: string) => {
    const value = params[Number(i) - 1];
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string') throw new Error(`parameter $${i} is ${String(value)}`);
    return quote(value);
  });
  return `COPY (${inlined}) TO STDOUT WITH CSV`;
}

/** Baseline: psql runs the same query as COPY … TO STDOUT, its output to /dev/null (or counted). */
function timeCopy(url: string, statement: string, countBytes = false): Promise<{ seconds: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const devNull = fs.openSync('/dev/null', 'w');
    const started = performance.now();
    const psql = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', statement], { stdio: ['ignore', countBytes ? 'pipe' : devNull, 'pipe'] });
    let bytes = 0;
    let errors = '';
    psql.stdout?.on('data', (chunk: Buffer) => (bytes += chunk.length));
    psql.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    psql.on('error', reject);
    psql.on('close', (code) => {
      fs.closeSync(devNull);
      if (code !== 0) reject(new Error(`psql exited with ${code}: ${errors}`));
      else resolve({ seconds: (performance.now() - started) / 1000, bytes });
    });
  });
}

interface ChildReport {
  rows: number;
  seconds: number;
  bytes: number;
  rssBefore: number;
  rssPeak: number;
  heapPeak: number;
  maxRss: number;
}

/** One export of a range in a fresh process, for its peak memory. */
function measureInChild(url: string, filters: LedgerFilters): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
    const child = spawn(tsx, [__filename, '--child', `${filters.from}..${filters.to}`], { env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildReport) : reject(new Error(`child exited with ${code}`))));
  });
}

/** In the child: one export, sampling RSS every 50 ms and at every page written. */
async function runChild(range: string): Promise<void> {
  const [from, to] = range.split('..') as [string, string];
  const config = configFromProcess();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await database.ping();
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  let heapPeak = process.memoryUsage().heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  };
  const timer = setInterval(sample, 50);
  const sink = discard(sample);
  const started = performance.now();
  const result = await writeDonationsExport(database.db, defaultSettings.accounting, exportQuery({ from, to }), sink.stream);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();
  await database.close();
  const report: ChildReport = { rows: result.rows, seconds, bytes: sink.bytes(), rssBefore, rssPeak, heapPeak, maxRss: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** Where ours spends its time: the same loop as writeDonationsExport, timed in three parts. */
async function breakdown(db: Db, filters: LedgerFilters): Promise<void> {
  const encoder = new ExportEncoder('utf8');
  const shape = shapeOf('standard', defaultSettings.accounting, 'ja');
  const spent = { fetch: 0, format: 0, encode: 0 };
  const pages = ledgerExportPages(db, filters);
  let rows = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (;;) {
    let t = performance.now();
    const next = await pages.next();
    spent.fetch += performance.now() - t;
    if (next.done) break;
    t = performance.now();
    let text = '';
    for (const row of next.value) {
      for (const cells of shape.lines(row)) text += encoder.fit(csvLine(cells), () => row.id) + '\r\n';
      rows += 1;
    }
    spent.format += performance.now() - t;
    t = performance.now();
    encoder.encode(text);
    spent.encode += performance.now() - t;
  }
  const total = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const part = (ms: number) => `${(ms / 1000).toFixed(2)} s (${((ms / total) * 100).toFixed(0)} %)`;
  console.log(
    `  breakdown of ${int(rows)} rows in ${(total / 1000).toFixed(2)} s: page queries and rows ${part(spent.fetch)}, lines ${part(spent.format)}, UTF-8 ${part(spent.encode)}; Node busy ${((used.user + used.system) / 1e6).toFixed(2)} s`,
  );
}

// ---- the run ------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const config = configFromProcess();
  const benchDb = benchDatabase(DATABASE);
  const benchUrl = benchDb.url;
  const url = new URL(benchUrl);
  if (!opts.reuse) await benchDb.recreate();
  const database = await openDatabase({ databaseUrl: benchUrl, dataDir: config.dataDir });
  try {
    const db = database.db;
    if (!opts.reuse) {
      console.log(`seeding ${DATABASE} at ${url.host}:`);
      await database.migrate();
      await seed(db);
    }
    const [version] = await selectArrays(db, `select current_setting('server_version')`, []);
    const [span] = await selectArrays(
      db,
      `select min(received_on)::text, max(received_on)::text, count(*)::text, count(*) filter (where entry = 'gift')::text, count(*) filter (where entry = 'refund')::text, count(*) filter (where entry = 'dispute')::text, (select count(*) from supporters)::text from donations`,
      [],
    );
    const [first, last, total, gifts, refunds, disputes, people] = span as string[];
    // The smaller size: the latest days that together hold at least SMALL rows.
    const days = await selectArrays(
      db,
      `select received_on::text, (sum(count(*)) over (order by received_on desc))::text from donations group by received_on order by received_on desc`,
      [],
    );
    const smallFrom = days.find((d) => Number(d[1]) >= SMALL)?.[0] ?? first!;
    const sizes = [
      { name: '100k', filters: { from: smallFrom, to: last! } as LedgerFilters },
      { name: '1M', filters: { from: first!, to: last! } as LedgerFilters },
    ].map((s) => ({ ...s, rows: 0, statement: copyStatement(s.filters) }));
    for (const s of sizes) s.rows = (await ledgerTotals(db, s.filters)).rows;
    console.log(
      `donations-export: PostgreSQL ${version![0]} at ${url.host}/${DATABASE}; ${int(Number(total))} ledger rows (${int(Number(gifts))} gifts, ${int(Number(refunds))} refunds, ${int(Number(disputes))} disputes) ${first} … ${last}, ${int(Number(people))} supporters; Node ${process.version}; ${rounds} rounds`,
    );
    for (const s of sizes) console.log(`  size ${s.name}: ${s.filters.from} … ${s.filters.to}, ${int(s.rows)} rows`);

    // Warm-up: the table and its indexes in memory, plans and code warm on both sides.
    await timeOurs(db, sizes[0]!.filters);
    const copyOut = await timeCopy(benchUrl, sizes[0]!.statement, true);

    const results = sizes.map(() => ({ ours: [] as number[], cpu: [] as number[], copy: [] as number[], bytes: 0 }));
    for (const [i, s] of sizes.entries()) {
      for (let round = 0; round < rounds; round++) {
        // Alternate which side goes first, so that a change in machine load affects both alike.
        const sides = [
          async () => {
            const run = await timeOurs(db, s.filters);
            if (run.rows !== s.rows) throw new Error(`ours exported ${run.rows} rows, expected ${s.rows}`);
            results[i]!.ours.push(run.seconds);
            results[i]!.cpu.push(run.cpu);
            results[i]!.bytes = run.bytes;
          },
          async () => results[i]!.copy.push((await timeCopy(benchUrl, s.statement)).seconds),
        ];
        for (const side of round % 2 === 0 ? sides : sides.reverse()) await side();
      }
      const res = results[i]!;
      const rate = (seconds: number) => int(s.rows / seconds).padStart(9);
      console.log(
        `  ${s.name}  ours: median ${median(res.ours).toFixed(2)} s = ${rate(median(res.ours))} rows/s, best ${rate(Math.min(...res.ours))} rows/s   [${res.ours.map((x) => x.toFixed(2)).join(', ')} s, ${MB(res.bytes)}; Node busy ${median(res.cpu).toFixed(2)} s]`,
      );
      console.log(
        `  ${s.name}  COPY: median ${median(res.copy).toFixed(2)} s = ${rate(median(res.copy))} rows/s, best ${rate(Math.min(...res.copy))} rows/s   [${res.copy.map((x) => x.toFixed(2)).join(', ')} s${i === 0 ? `, ${MB(copyOut.bytes)}` : ''}]`,
      );
    }
    // For information: the other shapes of the file, once each over the whole range.
    const whole = sizes[1]!;
    for (const [format, encoding] of [
      ['freee', 'utf8'],
      ['standard', 'cp932'],
    ] as const) {
      const run = await timeOurs(db, whole.filters, format, encoding);
      console.log(`  1M  ours ${format} ${encoding}: ${run.seconds.toFixed(2)} s = ${int(run.rows / run.seconds)} rows/s (${int(run.lines)} lines, ${MB(run.bytes)})`);
    }

    console.log('peak memory of one export in a fresh process (standard, UTF-8):');
    const memory: ChildReport[] = [];
    for (const s of sizes) {
      const m = await measureInChild(benchUrl, s.filters);
      memory.push(m);
      console.log(
        `  ${s.name.padEnd(4)} ${int(m.rows).padStart(9)} rows in ${m.seconds.toFixed(2)} s: RSS before ${MB(m.rssBefore)}, peak sampled ${MB(m.rssPeak)}, maxRSS ${MB(m.maxRss)}, heap peak ${MB(m.heapPeak)}`,
      );
    }
    const ratio = median(results[1]!.copy) / median(results[1]!.ours);
    const bestRatio = Math.min(...results[1]!.copy) / Math.min(...results[1]!.ours);
    const smallRatio = median(results[0]!.copy) / median(results[0]!.ours);
    if (opts.breakdown || ratio < TARGET_RATIO) await breakdown(db, whole.filters);

    const [m100k, m1M] = memory as [ChildReport, ChildReport];
    const growth = m1M.maxRss / m100k.maxRss - 1;
    const growthSampled = m1M.rssPeak / m100k.rssPeak - 1;
    console.log('summary:');
    console.log(
      `  rows/s at 1M (median of ${rounds}): ours ${int(whole.rows / median(results[1]!.ours))}, COPY ${int(whole.rows / median(results[1]!.copy))}; ratio ${ratio.toFixed(2)} (best ÷ best ${bestRatio.toFixed(2)}; at 100k ${smallRatio.toFixed(2)})  target ≥ ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}`,
    );
    console.log(
      `  peak RSS: 100k ${MB(m100k.maxRss)}, 1M ${MB(m1M.maxRss)} (maxRSS); sampled ${MB(m100k.rssPeak)} → ${MB(m1M.rssPeak)}; 1M ÷ 100k = ${(1 + growth).toFixed(2)} (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %; sampled ${(growthSampled * 100).toFixed(1)} %)  target within ${TARGET_MEMORY * 100} %: ${Math.abs(growth) <= TARGET_MEMORY ? 'met' : 'NOT met'}`,
    );
    console.log(`  Node ${process.version}, PostgreSQL ${version![0]}, ${new Date().toISOString().slice(0, 10)}`);
  } finally {
    await database.close();
    if (!opts.keep) await benchDb.drop();
  }
}

(opts.child ? runChild(opts.child) : main()).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
