import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { sql, type SQL } from 'drizzle-orm';
import { configFromProcess } from '../../config';
import { openDatabase, type Db } from '../db/client';
import { prefectures } from '../features/supporters';
import { domains, JAPANESE_ORGANISATIONS, japaneseFamily, japaneseGiven, latinFamily, latinGiven, organisations, tags, towns } from './seed-demo-names';

// npm run seed:demo -- [--supporters 100000] [--gifts 1000000] [--force|--yes]
//
// Demo supporters, their subscriptions, consents, tags and gifts across three years, written by
// INSERT … SELECT … FROM generate_series (no row-by-row inserts). Every demo supporter's email is at
// a demo.example.* domain: a re-run first removes the previous demo rows (and everything attached to
// them), then writes a fresh set, so running it twice leaves one set. Nothing else is touched.
// It refuses, changing nothing, when the database holds supporters who are not demo rows or other
// sessions are connected to it (a running app), unless --force (or --yes) says that is meant.

const DEMO_EMAIL = '%@demo.example.%';

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

/** Why seeding this database needs --force: real supporters in it, or other sessions (a running app) on it. */
async function reasonsToRefuse(db: Db, isPostgres: boolean): Promise<string[]> {
  const reasons: string[] = [];
  if (isPostgres) {
    const others = await count(db, sql`select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
    if (others > 0) reasons.push(`${others} other sessions are connected to this database (is the app running on it?)`);
  }
  const hasSupporters = await count(db, sql`select count(*) as n from pg_class where oid = to_regclass('public.supporters')`);
  if (hasSupporters > 0) {
    const real = await count(db, sql`select count(*) as n from supporters where email_normalized not like ${DEMO_EMAIL}`);
    if (real > 0) reasons.push(`it already holds ${real} supporters who are not demo rows (real data)`);
  }
  return reasons;
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
  const { values } = parseArgs({
    options: {
      supporters: { type: 'string', default: '100000' },
      gifts: { type: 'string', default: '1000000' },
      force: { type: 'boolean', default: false },
      yes: { type: 'boolean', short: 'y', default: false },
    },
  });
  const n = Number(values.supporters);
  const m = Number(values.gifts);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000 || !Number.isInteger(m) || m < 0 || m > 100_000_000) {
    throw new Error('usage: npm run seed:demo -- [--supporters N (1–10,000,000)] [--gifts M (0–100,000,000)] [--force|--yes]');
  }
  const config = configFromProcess();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const target = database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `PGlite (${config.dataDir})`;
  try {
    const reasons = await reasonsToRefuse(database.db, database.kind === 'postgres');
    if (reasons.length > 0 && !values.force && !values.yes) {
      throw new Error(
        `seed:demo refused to write into ${target}: nothing was changed.\n` +
          reasons.map((r) => `  - ${r}\n`).join('') +
          'Demo data is for a development database. Stop the app, or point DATABASE_URL/DATA_DIR at another database;\n' +
          'to add demo supporters here anyway, run: npm run seed:demo -- --force',
      );
    }
    process.stdout.write(`seed:demo into ${target}: ${n} supporters, ${m} gifts${reasons.length ? ' (--force: ' + reasons.join('; ') + ')' : ''}\n`);
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
