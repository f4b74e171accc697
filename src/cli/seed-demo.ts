import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { sql, type SQL } from 'drizzle-orm';
import { configFromProcess } from '../../config';
import { openDatabase, type Db } from '../db/client';
import { prefectures } from '../features/supporters';

// npm run seed:demo -- [--supporters 100000] [--gifts 1000000]
//
// Demo supporters, their subscriptions, consents, tags and gifts across three years, written by
// INSERT … SELECT … FROM generate_series (no row-by-row inserts). Every demo supporter's email is at
// a demo.example.* domain: a re-run first removes the previous demo rows (and everything attached to
// them), then writes a fresh set, so running it twice leaves one set. Nothing else is touched.

const DEMO_EMAIL = '%@demo.example.%';

// 姓 / セイ / romaji
const japaneseFamily = [
  ['佐藤', 'サトウ', 'sato'],
  ['鈴木', 'スズキ', 'suzuki'],
  ['高橋', 'タカハシ', 'takahashi'],
  ['田中', 'タナカ', 'tanaka'],
  ['伊藤', 'イトウ', 'ito'],
  ['渡辺', 'ワタナベ', 'watanabe'],
  ['山本', 'ヤマモト', 'yamamoto'],
  ['中村', 'ナカムラ', 'nakamura'],
  ['小林', 'コバヤシ', 'kobayashi'],
  ['加藤', 'カトウ', 'kato'],
  ['吉田', 'ヨシダ', 'yoshida'],
  ['山田', 'ヤマダ', 'yamada'],
  ['佐々木', 'ササキ', 'sasaki'],
  ['山口', 'ヤマグチ', 'yamaguchi'],
  ['松本', 'マツモト', 'matsumoto'],
  ['井上', 'イノウエ', 'inoue'],
  ['木村', 'キムラ', 'kimura'],
  ['林', 'ハヤシ', 'hayashi'],
  ['斎藤', 'サイトウ', 'saito'],
  ['清水', 'シミズ', 'shimizu'],
  ['山崎', 'ヤマザキ', 'yamazaki'],
  ['森', 'モリ', 'mori'],
  ['池田', 'イケダ', 'ikeda'],
  ['橋本', 'ハシモト', 'hashimoto'],
  ['阿部', 'アベ', 'abe'],
  ['石川', 'イシカワ', 'ishikawa'],
  ['山下', 'ヤマシタ', 'yamashita'],
  ['中島', 'ナカジマ', 'nakajima'],
  ['石井', 'イシイ', 'ishii'],
  ['小川', 'オガワ', 'ogawa'],
  ['前田', 'マエダ', 'maeda'],
  ['岡田', 'オカダ', 'okada'],
  ['長谷川', 'ハセガワ', 'hasegawa'],
  ['藤田', 'フジタ', 'fujita'],
  ['後藤', 'ゴトウ', 'goto'],
  ['近藤', 'コンドウ', 'kondo'],
  ['村上', 'ムラカミ', 'murakami'],
  ['遠藤', 'エンドウ', 'endo'],
  ['青木', 'アオキ', 'aoki'],
  ['坂本', 'サカモト', 'sakamoto'],
  ['斉藤', 'サイトウ', 'saito'],
  ['福田', 'フクダ', 'fukuda'],
  ['太田', 'オオタ', 'ota'],
  ['西村', 'ニシムラ', 'nishimura'],
  ['藤井', 'フジイ', 'fujii'],
  ['岡本', 'オカモト', 'okamoto'],
  ['松田', 'マツダ', 'matsuda'],
  ['中川', 'ナカガワ', 'nakagawa'],
  ['原田', 'ハラダ', 'harada'],
  ['小野', 'オノ', 'ono'],
  ['竹内', 'タケウチ', 'takeuchi'],
  ['金子', 'カネコ', 'kaneko'],
];
// 名 / メイ / romaji
const japaneseGiven = [
  ['太郎', 'タロウ', 'taro'],
  ['花子', 'ハナコ', 'hanako'],
  ['健', 'ケン', 'ken'],
  ['翔太', 'ショウタ', 'shota'],
  ['美咲', 'ミサキ', 'misaki'],
  ['大輔', 'ダイスケ', 'daisuke'],
  ['陽菜', 'ヒナ', 'hina'],
  ['蓮', 'レン', 'ren'],
  ['結衣', 'ユイ', 'yui'],
  ['拓也', 'タクヤ', 'takuya'],
  ['さくら', 'サクラ', 'sakura'],
  ['直樹', 'ナオキ', 'naoki'],
  ['由美', 'ユミ', 'yumi'],
  ['誠', 'マコト', 'makoto'],
  ['愛', 'アイ', 'ai'],
  ['亮', 'リョウ', 'ryo'],
  ['恵子', 'ケイコ', 'keiko'],
  ['浩', 'ヒロシ', 'hiroshi'],
  ['真由美', 'マユミ', 'mayumi'],
  ['和也', 'カズヤ', 'kazuya'],
  ['千尋', 'チヒロ', 'chihiro'],
  ['悠斗', 'ユウト', 'yuto'],
  ['明美', 'アケミ', 'akemi'],
  ['隆', 'タカシ', 'takashi'],
  ['舞', 'マイ', 'mai'],
  ['修', 'オサム', 'osamu'],
  ['彩', 'アヤ', 'aya'],
  ['清花', 'サヤカ', 'sayaka'],
  ['瑞穂', 'ミズホ', 'mizuho'],
  ['大樹', 'ダイキ', 'daiki'],
  ['香織', 'カオリ', 'kaori'],
  ['一郎', 'イチロウ', 'ichiro'],
  ['智子', 'トモコ', 'tomoko'],
  ['優', 'ユウ', 'yu'],
  ['奈々', 'ナナ', 'nana'],
  ['剛', 'ツヨシ', 'tsuyoshi'],
];
const latinFamily = [
  'Smith',
  'Nguyen',
  'Garcia',
  'Müller',
  'Kim',
  'Ali',
  'Hassan',
  'Mohammed',
  'Rahman',
  'Okafor',
  'Mensah',
  'Dubois',
  'Rossi',
  'Silva',
  'Santos',
  'Khan',
  'Ahmadi',
  'Yilmaz',
  'Kaya',
  'Tesfaye',
  'Mbeki',
  'Johnson',
  'Brown',
  'Martin',
  'Lee',
  'Chen',
  'Wang',
  'Tran',
  'Lopez',
  'Fernandes',
  "O'Brien",
  'Kowalski',
];
const latinGiven = [
  'James',
  'Mary',
  'Aung',
  'Sophie',
  'Ahmed',
  'Fatima',
  'Daniel',
  'Amara',
  'Lucas',
  'Emma',
  'Omar',
  'Grace',
  'Thomas',
  'Aisha',
  'David',
  'Chloe',
  'Samuel',
  'Mariam',
  'Noah',
  'Lina',
  'Yusuf',
  'Olivia',
  'Ibrahim',
  'Hannah',
  'Jean-Pierre',
  'Anh',
  'Carlos',
  'Zainab',
  'Emily',
  'Kwame',
];
const organisations = [
  'ブリッジ商事',
  'みらいソリューションズ',
  'サクラテック',
  'ひかり総研',
  'グローバルリンク',
  'あおば不動産',
  'Tokyo Bay Partners',
  'Northstar Consulting',
  'Kizuna Foods',
  'Harbor Design',
];
const JAPANESE_ORGANISATIONS = 6;
const tags = ['企業', 'イベント参加', 'ボランティア', '講演会', 'クラウドファンディング', 'メディア', '理事紹介'];
const towns = [
  '港区芝浦',
  '渋谷区神南',
  '中央区銀座',
  '横浜市中区山下町',
  '大阪市北区梅田',
  '名古屋市中区栄',
  '福岡市博多区博多駅前',
  '札幌市中央区北',
  '京都市下京区烏丸通',
  '神戸市中央区三宮町',
];
const domains = ['demo.example.jp', 'demo.example.com', 'demo.example.net', 'demo.example.co.jp', 'demo.example.org'];

/** A SQL array literal of constant strings (our own lists above, quoted). */
function textArray(values: readonly string[]): SQL {
  return sql.raw(`ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]::text[]`);
}

/** A stable pseudo-random non-negative number per (row, stream). */
const rnd = (i: string, stream: number) => sql.raw(`abs(hashint8((${i})::bigint * 16 + ${stream})::bigint)`);

async function count(db: Db, query: SQL): Promise<number> {
  const result = (await db.execute(query)) as unknown as { rows: { n: string | number }[] };
  return Number(result.rows[0]?.n ?? 0);
}

async function removeDemoRows(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const demo = sql`select id from supporters where email_normalized like ${DEMO_EMAIL}`;
    const n = await count(tx as unknown as Db, sql`select count(*) as n from supporters where email_normalized like ${DEMO_EMAIL}`);
    if (n === 0) return 0;
    await tx.execute(sql`delete from donations where supporter_id in (${demo})`);
    // Each deleted subscription is checked against donations.subscription_id, which has no index:
    // without this one (dropped again below) that is a scan of the whole ledger per subscription.
    await tx.execute(sql`create index seed_demo_cleanup_idx on donations (subscription_id)`);
    await tx.execute(sql`delete from subscriptions where supporter_id in (${demo})`);
    await tx.execute(sql`drop index seed_demo_cleanup_idx`);
    await tx.execute(sql`delete from checkout_sessions where supporter_id in (${demo})`);
    await tx.execute(sql`delete from consents where supporter_id in (${demo})`);
    await tx.execute(sql`delete from supporter_tags where supporter_id in (${demo})`);
    await tx.execute(sql`delete from supporter_notes where supporter_id in (${demo})`);
    await tx.execute(sql`delete from supporter_merges where kept_id in (${demo})`);
    await tx.execute(sql`delete from emails where supporter_id in (select id::text from supporters where email_normalized like ${DEMO_EMAIL})`);
    await tx.execute(sql`delete from supporters where email_normalized like ${DEMO_EMAIL}`);
    return n;
  });
}

async function insertSupporters(db: Db, n: number): Promise<void> {
  const jf = { kanji: textArray(japaneseFamily.map((r) => r[0]!)), kana: textArray(japaneseFamily.map((r) => r[1]!)), romaji: textArray(japaneseFamily.map((r) => r[2]!)) };
  const jg = { kanji: textArray(japaneseGiven.map((r) => r[0]!)), kana: textArray(japaneseGiven.map((r) => r[1]!)), romaji: textArray(japaneseGiven.map((r) => r[2]!)) };
  await db.execute(sql`
    insert into supporters (kind, email, email_normalized, family_name, given_name, family_name_kana, given_name_kana, organisation_name,
                            locale, status, newsletter, postal_mail, postal_code, prefecture, address, stripe_customer_id, created_at, updated_at)
    select kind, email, lower(email), family_name, given_name, family_name_kana, given_name_kana, organisation_name,
           locale, status, newsletter, postal_mail, postal_code, prefecture, address,
           case when status in ('monthly', 'lapsed') then 'cus_demo_' || i end,
           created_at, created_at
    from (
      select i,
        case when ${rnd('i', 1)} % 100 < 4 then 'organisation' else 'individual' end as kind,
        is_latin,
        case when is_latin then (${textArray(latinFamily)})[1 + ${rnd('i', 2)} % ${latinFamily.length}] else (${jf.kanji})[1 + fi] end as family_name,
        case when is_latin then (${textArray(latinGiven)})[1 + ${rnd('i', 3)} % ${latinGiven.length}] else (${jg.kanji})[1 + gi] end as given_name,
        case when is_latin then null else (${jf.kana})[1 + fi] end as family_name_kana,
        case when is_latin then null else (${jg.kana})[1 + gi] end as given_name_kana,
        case when ${rnd('i', 1)} % 100 < 4 then
          case when org < ${JAPANESE_ORGANISATIONS} then (array['株式会社', '', '一般社団法人'])[1 + ${rnd('i', 9)} % 3] || (${textArray(organisations)})[1 + org] || case when ${rnd('i', 9)} % 3 = 1 then '株式会社' else '' end
               else (${textArray(organisations)})[1 + org] || (array[' K.K.', ' Inc.', ' LLC'])[1 + ${rnd('i', 11)} % 3] end
        end as organisation_name,
        case
          when is_latin then lower(regexp_replace((${textArray(latinGiven)})[1 + ${rnd('i', 3)} % ${latinGiven.length}] || '.' || (${textArray(latinFamily)})[1 + ${rnd('i', 2)} % ${latinFamily.length}], '[^A-Za-z.]', '', 'g')) || i
          when ${rnd('i', 4)} % 3 = 0 then (${jf.romaji})[1 + fi] || substr((${jg.romaji})[1 + gi], 1, 1) || i
          when ${rnd('i', 4)} % 3 = 1 then (${jg.romaji})[1 + gi] || '.' || (${jf.romaji})[1 + fi] || i
          else (${jf.romaji})[1 + fi] || '_' || (${jg.romaji})[1 + gi] || '.' || i
        end || '@' || (${textArray(domains)})[1 + ${rnd('i', 5)} % ${domains.length}] as email,
        case when is_latin and ${rnd('i', 6)} % 10 < 6 then 'en' else 'ja' end as locale,
        case when ${rnd('i', 7)} % 100 < 35 then 'monthly' when ${rnd('i', 7)} % 100 < 60 then 'one_time' when ${rnd('i', 7)} % 100 < 75 then 'lapsed' else 'prospect' end as status,
        ${rnd('i', 8)} % 100 < 60 as newsletter,
        ${rnd('i', 12)} % 100 < 30 as postal_mail,
        case when ${rnd('i', 12)} % 100 < 40 then lpad((${rnd('i', 13)} % 1000)::text, 3, '0') || '-' || lpad((${rnd('i', 14)} % 10000)::text, 4, '0') end as postal_code,
        case when ${rnd('i', 12)} % 100 < 40 then (${textArray(prefectures.map((p) => p[0]))})[1 + ${rnd('i', 15)} % 47] end as prefecture,
        case when ${rnd('i', 12)} % 100 < 40 then (${textArray(towns)})[1 + ${rnd('i', 16)} % ${towns.length}] || (1 + ${rnd('i', 16)} % 9) || '-' || (1 + ${rnd('i', 17)} % 30) || '-' || (1 + ${rnd('i', 18)} % 20) end as address,
        now() - make_interval(secs => (${rnd('i', 19)} % (3 * 365 * 86400))::double precision) as created_at
      from (
        select i, ${rnd('i', 0)} % 100 < 22 as is_latin,
               (${rnd('i', 20)} % ${japaneseFamily.length})::int as fi, (${rnd('i', 21)} % ${japaneseGiven.length})::int as gi,
               (${rnd('i', 10)} % ${organisations.length})::int as org
        from generate_series(1, ${n}) as i
      ) base
    ) people`);
}

/** The monthly plan of a demo supporter, derived from its id (stable, no extra table). */
const planOf = sql.raw(`(case when abs(hashtext(s.id::text)) % 100 < 50 then 1000 when abs(hashtext(s.id::text)) % 100 < 85 then 5000 else 10000 end)`);

async function insertSubscriptions(db: Db): Promise<void> {
  await db.execute(sql`
    insert into subscriptions (supporter_id, stripe_subscription_id, stripe_customer_id, status, amount, current_period_end, canceled_at, created_at, updated_at)
    select s.id, 'sub_demo_' || replace(s.id::text, '-', ''), s.stripe_customer_id,
           case when s.status = 'monthly' then 'active' else 'canceled' end, ${planOf},
           case when s.status = 'monthly' then now() + make_interval(days => (abs(hashtext(s.email)) % 30)::int) end,
           case when s.status = 'lapsed' then s.created_at + (now() - s.created_at) / 2 end,
           s.created_at, s.created_at
    from supporters s
    where s.email_normalized like ${DEMO_EMAIL} and s.status in ('monthly', 'lapsed')`);
}

async function insertGifts(db: Db, m: number): Promise<void> {
  // Each giver gets a share of the m gifts weighted by how long they gave (monthly: the months since
  // joining); cumulative shares make the total exactly m.
  await db.execute(sql`
    with givers as (
      select s.id, s.status, s.created_at, ${planOf} as plan, sub.id as subscription_id,
             case s.status
               when 'monthly' then greatest(1, extract(epoch from now() - s.created_at) / (30 * 86400))
               when 'lapsed' then greatest(1, extract(epoch from now() - s.created_at) / (60 * 86400))
               else 1 + abs(hashtext(s.email)) % 3
             end::numeric as w
      from supporters s
      left join subscriptions sub on sub.supporter_id = s.id
      where s.email_normalized like ${DEMO_EMAIL} and s.status <> 'prospect'
    ), cumulative as (
      select *, sum(w) over (order by id) as upto, sum(w) over () as total from givers
    ), shares as (
      select *, (floor(upto * ${m} / total) - floor((upto - w) * ${m} / total))::int as n from cumulative
    )
    insert into donations (supporter_id, entry, amount, fee, net, method, frequency, plan_amount, subscription_id, channel,
                           received_at, received_on, created_at)
    select id, 'gift', amount, fee, amount - coalesce(fee, 0), method, frequency, plan_amount, subscription_id,
           case when method = 'card' then 'stripe' else 'offline' end,
           received_at, (received_at at time zone 'Asia/Tokyo')::date, received_at
    from (
      select id, amount, method, frequency, plan_amount, subscription_id, received_at,
             case when method = 'card' then round(amount * 0.036)::int end as fee
      from (
        select g.id,
               case when g.status = 'one_time' then (array[3000, 5000, 5000, 10000, 10000, 30000, 50000, 100000])[1 + abs(hashtext(g.id::text || k)) % 8] else g.plan end as amount,
               case when g.status = 'one_time' and abs(hashtext(g.id::text || k)) % 10 = 0 then 'bank_transfer' else 'card' end as method,
               case when g.status = 'one_time' then 'one_time' else 'monthly' end as frequency,
               case when g.status = 'one_time' then null else g.plan end as plan_amount,
               case when g.status = 'one_time' then null::uuid else g.subscription_id end as subscription_id,
               g.created_at + (case when g.status = 'lapsed' then (now() - g.created_at) / 2 else now() - g.created_at end) * ((k - 0.5) / g.n) as received_at
        from shares g cross join lateral generate_series(1, g.n) as k
        where g.n > 0
      ) gifts
    ) priced`);
}

async function insertCare(db: Db): Promise<void> {
  await db.execute(sql`
    insert into consents (supporter_id, purpose, granted, text_version, text, source, created_at)
    select s.id, 'privacy_policy', true, 'privacy_policy:demo', '個人情報の取り扱いに同意します', 'join_form', s.created_at
    from supporters s where s.email_normalized like ${DEMO_EMAIL}
    union all
    select s.id, 'newsletter', true, 'newsletter:demo', 'メールマガジン「WELgeeファミリー通信」を受け取る', 'join_form', s.created_at
    from supporters s where s.email_normalized like ${DEMO_EMAIL} and s.newsletter`);
  await db.execute(sql`
    insert into supporter_tags (supporter_id, tag, created_at)
    select s.id, (${textArray(tags)})[1 + abs(hashtext(s.email || 'tag')) % ${tags.length}], s.created_at
    from supporters s where s.email_normalized like ${DEMO_EMAIL} and abs(hashtext(s.email)) % 10 = 0`);
  await db.execute(sql`
    insert into supporter_notes (supporter_id, body, created_at)
    select s.id, 'イベントで名刺交換。次回の報告会にご招待。', s.created_at + interval '7 days'
    from supporters s where s.email_normalized like ${DEMO_EMAIL} and abs(hashtext(s.email)) % 50 = 0`);
}

async function step(label: string, fn: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await fn();
  process.stdout.write(`  ${label.padEnd(28)} ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

async function run() {
  const { values } = parseArgs({ options: { supporters: { type: 'string', default: '100000' }, gifts: { type: 'string', default: '1000000' } } });
  const n = Number(values.supporters);
  const m = Number(values.gifts);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000 || !Number.isInteger(m) || m < 0 || m > 100_000_000) {
    throw new Error('usage: npm run seed:demo -- [--supporters N (1–10,000,000)] [--gifts M (0–100,000,000)]');
  }
  const config = configFromProcess();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  process.stdout.write(`seed:demo into ${database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `PGlite (${config.dataDir})`}: ${n} supporters, ${m} gifts\n`);
  try {
    await database.migrate();
    const db = database.db;
    await step('remove previous demo rows', async () => {
      const removed = await removeDemoRows(db);
      if (removed) process.stdout.write(`  (removed ${removed} demo supporters and their rows)\n`);
    });
    await step('supporters', () => insertSupporters(db, n));
    await step('subscriptions', () => insertSubscriptions(db));
    await step('gifts', () => insertGifts(db, m));
    await step('consents, tags, notes', () => insertCare(db));
    // Fresh statistics for the planner, and a visibility map so that counts can be index-only.
    await step('vacuum analyze', async () => {
      for (const table of ['supporters', 'donations', 'subscriptions', 'supporter_tags', 'consents']) await db.execute(sql.raw(`vacuum analyze ${table}`));
    });
    const supporters = await count(db, sql`select count(*) as n from supporters where email_normalized like ${DEMO_EMAIL}`);
    const gifts = await count(db, sql`select count(*) as n from donations d join supporters s on s.id = d.supporter_id where s.email_normalized like ${DEMO_EMAIL}`);
    process.stdout.write(`done: ${supporters} demo supporters, ${gifts} demo gifts\n`);
  } finally {
    await database.close();
  }
}

run().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
