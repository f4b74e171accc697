// Supporter search latency: the console list's own query (searchSupporters: page + count) over a mix of
// realistic searches, against a plain primary-key lookup of a supporter measured in the same run.
// Seed first: npm run seed:demo (100,000 supporters, 1,000,000 gifts). Uses DATABASE_URL when set,
// else the embedded PGlite in DATA_DIR.
// Usage: npx tsx bench/supporter-search.ts [rounds=20]
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { configFromProcess } from '../config';
import { openDatabase } from '../src/db/client';
import { findSupporterRowById, searchSupporters, type SupporterSearch } from '../src/features/supporters/supporters.search.repo';

const rounds = Number(process.argv.find((a, i) => i >= 2 && /^\d+$/.test(a)) ?? 20);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, got ${process.argv[2]}`);
const TARGET_P95_MS = 30;

// What staff type: kana fragments in either script, kanji, email fragments, Latin names, organisations,
// with and without filters, other sorts and later pages.
const searches: SupporterSearch[] = [
  { q: 'やまだ' },
  { q: 'ヤマダ' },
  { q: 'さとう はなこ' },
  { q: 'スズキ' },
  { q: 'わたなべ' },
  { q: 'たかはし' },
  { q: 'ケン' },
  { q: 'ﾀﾅｶ' },
  { q: '山田' },
  { q: '佐藤 花子' },
  { q: '長谷川' },
  { q: 'yamada' },
  { q: 'hanako.' },
  { q: 'sato_' },
  { q: '@demo.example.co.jp' },
  { q: 'nguyen' },
  { q: 'Ahmed' },
  { q: "o'brien" },
  { q: 'Müller' },
  { q: 'jean-pierre' },
  { q: '株式会社' },
  { q: 'partners' },
  { q: 'やまだ', status: 'monthly' },
  { q: 'suzuki', plan: 5000 },
  { q: 'タナカ', newsletter: true },
  { q: 'ali', locale: 'en' },
  { q: 'サクラ', kind: 'organisation' },
  { q: 'イトウ', tag: '企業' },
  { q: 'やま', sort: 'name' },
  { q: 'kobayashi', sort: 'total' },
  { q: 'ヤマ', page: 2 },
  { q: 'zzzzqq' },
  {},
  { status: 'monthly' },
  { status: 'lapsed', newsletter: false },
  { plan: 10000 },
  { tag: 'イベント参加' },
  { kind: 'organisation' },
  { locale: 'en', sort: 'name' },
  { page: 3 },
];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const summary = (times: number[]) => {
  const s = [...times].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), n: s.length };
};
const fmt = (ms: number) => ms.toFixed(2).padStart(7);

async function main(): Promise<void> {
  const config = configFromProcess();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const where =
    database.kind === 'postgres' ? `PostgreSQL at ${new URL(config.databaseUrl!).host}${new URL(config.databaseUrl!).pathname} (DATABASE_URL)` : `PGlite in ${config.dataDir}`;
  try {
    const db = database.db;
    const counted = (await db.execute(sql`select count(*) filter (where merged_into_id is null) as n, (select count(*) from donations) as gifts from supporters`)) as unknown as {
      rows: { n: string; gifts: string }[];
    };
    const n = Number(counted.rows[0]?.n ?? 0);
    const gifts = Number(counted.rows[0]?.gifts ?? 0);
    console.log(`supporter-search: ${where}; N=${n} supporters, ${gifts} gifts; ${searches.length} searches × ${rounds} rounds (Node ${process.version})`);
    if (n < 1000) console.log('warning: few supporters; seed first with `npm run seed:demo`');
    const idRows = (await db.execute(sql`select id from supporters order by id limit 1000`)) as unknown as { rows: { id: string }[] };
    const ids = idRows.rows.map((r) => r.id);
    // Two whole addresses as staff paste them from an email (real rows of this database).
    const emailRows = (await db.execute(sql`select email from supporters where merged_into_id is null order by id desc limit 2`)) as unknown as { rows: { email: string }[] };
    for (const row of emailRows.rows) searches.push({ q: row.email.toUpperCase() });

    // Warm-up: caches and plans for both sides.
    for (const s of searches) await searchSupporters(db, s);
    for (const id of ids.slice(0, 100)) await findSupporterRowById(db, id);

    const ours: number[] = [];
    const baseline: number[] = [];
    const perSearch = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (const [i, search] of searches.entries()) {
        // Alternate with the baseline so that a change in machine load affects both alike.
        let started = performance.now();
        await findSupporterRowById(db, ids[(round * searches.length + i) % ids.length]!);
        baseline.push(performance.now() - started);
        started = performance.now();
        const result = await searchSupporters(db, search);
        const ms = performance.now() - started;
        ours.push(ms);
        const key = JSON.stringify(search);
        perSearch.set(key, [...(perSearch.get(key) ?? []), ms]);
        if (round === 0 && result.rows.length === 0 && search.q !== 'zzzzqq') console.log(`  (no results for ${key})`);
      }
    }
    const slowest = [...perSearch]
      .map(([key, times]) => ({ key, ...summary(times) }))
      .sort((a, b) => b.p50 - a.p50)
      .slice(0, process.argv.includes('--all') ? 100 : 5);
    console.log('slowest searches (p50 ms):');
    for (const s of slowest) console.log(`  ${fmt(s.p50)}  ${s.key}`);
    // Not in the mix: "total given" over everyone has to add up every gift of every supporter.
    const totals: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await searchSupporters(db, { sort: 'total' });
      totals.push(performance.now() - started);
    }
    console.log(`not in the mix: sort by total given with no search or filter: p50 ${fmt(summary(totals).p50)} ms`);
    const a = summary(ours);
    const b = summary(baseline);
    console.log(`ours      p50 ${fmt(a.p50)} ms  p95 ${fmt(a.p95)} ms  p99 ${fmt(a.p99)} ms  (${a.n} searches, page of 50 + count)`);
    console.log(`baseline  p50 ${fmt(b.p50)} ms  p95 ${fmt(b.p95)} ms  p99 ${fmt(b.p99)} ms  (${b.n} lookups by id)`);
    console.log(
      `ratio = ours p95 / baseline p95 = ${(a.p95 / b.p95).toFixed(1)}  (p50: ${(a.p50 / b.p50).toFixed(1)})  target: p95 < ${TARGET_P95_MS} ms: ${a.p95 < TARGET_P95_MS ? 'met' : 'NOT met'}`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
