// Bank import review at 100,000 supporters: uploading a 300-line statement (each line's suggestion)
// and opening its review page's data (loadReview: every line's ranked candidates), against a baseline
// measured in the same run: the same lines read and one primary-key lookup of a supporter per line.
// Also measured once, for the record: the way payer names were matched before (every supporter with
// フリガナ read and indexed per review), and the backfill of search keys (migration 0011's fill).
// Its own database (wf_bench_import on DATABASE_URL's server), dropped afterwards.
// Usage: npx tsx bench/bank-import-review.ts [supporters=100000] [rounds=5] [--keep] [--reuse]
// (--keep leaves the database for a later --reuse run, which skips seeding.)
import { performance } from 'node:perf_hooks';
import { and, isNull, isNotNull, or, sql } from 'drizzle-orm';
import { openDatabase } from '../src/db/client';
import { supporters } from '../src/db/schema';
import { fillSearchKeys } from '../src/db/search-keys';
import { loadReview, uploadStatement } from '../src/features/giving/bank-import.service';
import { listImportLines } from '../src/features/giving/bank-import.repo';
import { findSupporterHits } from '../src/features/giving/offline-gifts.repo';
import { nameKey } from '../src/lib/name-key';
import { benchDatabase } from './bench-database';

const [count = 100_000, rounds = 5] = process.argv
  .slice(2)
  .filter((a) => /^\d+$/.test(a))
  .map(Number);
const keep = process.argv.includes('--keep');
const reuse = process.argv.includes('--reuse');
const LINES = 300;
const TARGET_MS = 1000;

const FAMILY = [
  'ヤマダ',
  'サトウ',
  'スズキ',
  'タカハシ',
  'タナカ',
  'ワタナベ',
  'イトウ',
  'ナカムラ',
  'コバヤシ',
  'カトウ',
  'ヨシダ',
  'ヤマモト',
  'サイトウ',
  'マツモト',
  'イノウエ',
  'キムラ',
  'ハヤシ',
  'シミズ',
  'ヤマザキ',
  'モリ',
  'アベ',
  'イケダ',
  'ハシモト',
  'ヤマシタ',
  'イシカワ',
  'ナカジマ',
  'マエダ',
  'フジタ',
  'オガワ',
  'ゴトウ',
  'オカダ',
  'ハセガワ',
  'ムラカミ',
  'コンドウ',
  'イシイ',
  'サカモト',
  'エンドウ',
  'アオキ',
  'フジイ',
  'ニシムラ',
];
const GIVEN = [
  'ハナコ',
  'タロウ',
  'イチロウ',
  'ユキ',
  'ケン',
  'サクラ',
  'ミドリ',
  'ヒロシ',
  'アキラ',
  'マコト',
  'ヨウコ',
  'ケイコ',
  'ユウコ',
  'ナオミ',
  'ダイスケ',
  'ショウタ',
  'ハルカ',
  'アヤ',
  'リョウ',
  'ミカ',
  'ジュン',
  'カズキ',
  'トモコ',
  'マサヒロ',
  'エミ',
  'ユウタ',
  'サトシ',
  'メグミ',
  'ツヨシ',
  'チカ',
  'ノゾミ',
  'タクヤ',
  'アイ',
  'コウジ',
  'マイ',
  'シンジ',
  'リナ',
  'ケンタ',
  'ナナ',
  'ユウスケ',
];
// 1,600 names for 100,000 people: ~60 namesakes each, as the 8+ namesakes of a common name in the issue.
const HALF: Record<string, string> = Object.fromEntries(
  [...'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン'].map((c) => [
    c,
    String.fromCharCode(0xff71 + 'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン'.indexOf(c)),
  ]),
);
const toHalf = (s: string) => [...s.normalize('NFD')].map((c) => (c === '\u3099' ? 'ﾞ' : c === '\u309a' ? 'ﾟ' : (HALF[c] ?? c))).join('');

// Makes each run's statements new files (an uploaded file is stored once, by its SHA-256).
const nonce = Date.now().toString(36);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const target = benchDatabase('wf_bench_import');
  if (!reuse) await target.recreate();
  const database = await openDatabase({ databaseUrl: target.url, dataDir: '/tmp/wf-bench-import' });
  const db = database.db;
  let backfill = '– (database reused)';
  async function seed() {
    process.stdout.write(`seeding ${count.toLocaleString('en')} supporters… `);
    // Kana per row from the two lists (i mod 40, i div 40 mod 40); one plan on every fifth person.
    await db.execute(
      sql.raw(`
        insert into supporters (email, email_normalized, family_name, given_name, family_name_kana, given_name_kana, status)
        select 'p' || i || '@bench.example', 'p' || i || '@bench.example', '姓' || (i % 40), '名' || (i / 40 % 40),
          (array[${FAMILY.map((f) => `'${f}'`).join(',')}])[i % 40 + 1], (array[${GIVEN.map((g) => `'${g}'`).join(',')}])[i / 40 % 40 + 1],
          'one_time'
        from generate_series(1, ${count}) as i`),
    );
    await db.execute(
      sql.raw(`
        insert into subscriptions (supporter_id, stripe_subscription_id, stripe_customer_id, status, amount)
        select id, 'sub_' || id, 'cus_' || id, 'active', (array[1000, 5000, 10000])[(random() * 2)::int + 1]
        from supporters tablesample system (20)`),
    );
    // Earlier bank gifts of every tenth person, under their name as the bank printed it.
    await db.execute(
      sql.raw(`
        insert into donations (supporter_id, entry, amount, method, frequency, received_at, received_on, channel, payer_name)
        select id, 'gift', 3000, 'bank_transfer', 'one_time', now() - interval '60 days', current_date - 60, 'offline', family_name_kana || ' ' || given_name_kana
        from supporters tablesample system (10)`),
    );
    const fillStart = performance.now();
    const filled = await fillSearchKeys(db);
    const fillMs = performance.now() - fillStart;
    process.stdout.write(`keys filled for ${filled.toLocaleString('en')} in ${(fillMs / 1000).toFixed(1)} s\n`);
    backfill = `${Math.round(filled / (fillMs / 1000)).toLocaleString('en')} supporters/s`;
    await db.execute(sql`analyze`);

    await db.execute(sql`insert into staff (email, email_normalized, name, role, password_hash) values ('b@bench.example', 'b@bench.example', 'bench', 'finance', 'x')`);
  }
  try {
    await database.migrate();
    if (!reuse) await seed();
    const staffId = ((await db.execute(sql`select id from staff limit 1`)) as unknown as { rows: { id: string }[] }).rows[0]!.id;

    // 300 statement lines as a bank writes them: half-width katakana, 姓 名.
    const statement = (round: number) => {
      const rows = ['日付,金額,振込依頼人名,メモ'];
      for (let i = 0; i < LINES; i++) {
        const f = FAMILY[(i * 7 + round) % 40]!;
        const g = GIVEN[(i * 13 + round) % 40]!;
        rows.push(`2026-11-${String((i % 28) + 1).padStart(2, '0')},${[1000, 3000, 5000, 10000][i % 4]},${toHalf(f)} ${toHalf(g)},${nonce}`);
      }
      return Buffer.from(rows.join('\n') + '\n', 'utf8');
    };

    const uploads: number[] = [];
    const reviews: number[] = [];
    const baselines: number[] = [];
    let candidates = 0;
    for (let round = 0; round < rounds; round++) {
      const bytes = statement(round);
      let t = performance.now();
      const outcome = await uploadStatement(db, { bytes, filename: `r${round}.csv` }, { staffId }, '2026-12-02');
      uploads.push(performance.now() - t);
      if (outcome.kind !== 'created') throw new Error(`upload: ${outcome.kind}`);

      t = performance.now();
      const review = await loadReview(db, outcome.importId);
      reviews.push(performance.now() - t);
      candidates = review!.lines.reduce((n, l) => n + l.others.length + (l.suggestion ? 1 : 0), 0);

      // Baseline: the same lines, and one supporter by primary key per line.
      const someIds = ((await db.execute(sql`select id from supporters order by random() limit ${LINES}`)) as unknown as { rows: { id: string }[] }).rows.map((r) => r.id);
      t = performance.now();
      const lines = await listImportLines(db, outcome.importId);
      for (let i = 0; i < lines.length; i++) await findSupporterHits(db, [someIds[i]!]);
      baselines.push(performance.now() - t);
    }

    // Before: every supporter with フリガナ read, keyed and indexed on each review (measured once).
    const t0 = performance.now();
    const everyone = await db
      .select({ id: supporters.id, f: supporters.familyNameKana, g: supporters.givenNameKana })
      .from(supporters)
      .where(and(isNull(supporters.mergedIntoId), or(isNotNull(supporters.familyNameKana), isNotNull(supporters.givenNameKana))));
    const byKey = new Map<string, string[]>();
    for (const p of everyone) for (const k of [nameKey(`${p.f}${p.g}`), nameKey(`${p.g}${p.f}`)]) byKey.set(k, [...(byKey.get(k) ?? []), p.id]);
    const beforeMs = performance.now() - t0;

    const ours = median(reviews);
    const base = median(baselines);
    console.log(`supporters ${count.toLocaleString('en')}, statement ${LINES} lines, ${rounds} rounds (median), ${candidates} candidates shown in the last review`);
    console.log(`upload (suggestions for every line): ${median(uploads).toFixed(0)} ms`);
    console.log(`review (loadReview):                 ${ours.toFixed(0)} ms   target < ${TARGET_MS} ms: ${ours < TARGET_MS ? 'met' : 'NOT met'}`);
    console.log(`baseline (lines + ${LINES} PK lookups):   ${base.toFixed(0)} ms   ratio ${(ours / base).toFixed(2)}`);
    console.log(`before (all kana supporters indexed): ${beforeMs.toFixed(0)} ms for the candidate index alone`);
    console.log(`backfill of search keys:             ${backfill}`);
  } finally {
    await database.close();
    if (!keep) await target.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
