// Personalised annual reports per second: for each of 10,000 supporters, what the send pipeline makes for
// them (their year from the ledger, their combined receipt number issued, the PDF with Noto Sans JP
// embedded, the email in their language) through the annual report's own composer, four at a time;
// against rendering the same combined receipts alone from inputs prepared beforehand, in the same run.
// Needs PostgreSQL (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test). Creates its own database
// wf_bench_annual (10,000 supporters, 12 monthly gifts each in 2025) and drops it at the end.
// Usage: npx tsx bench/annual-report.ts [supporters=10000] [baseline=2000]
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { eq, sql } from 'drizzle-orm';
import { benchDatabase } from './bench-database';
import { loadConfig } from '../config';
import { createContext } from '../src/context';
import { annualReceipts, newsletters } from '../src/db/schema';
import { annualReceiptInput, annualReportComposer, prepareDraft } from '../src/features/annual-reports';
import { renderReceiptPdf } from '../src/features/giving';
import type { ReceiptPdfInput } from '../src/features/giving/receipt-pdf';
import { findSupporterById } from '../src/features/supporters';

const TARGET = 50;
const CONCURRENCY = 4;
const YEAR = 2025;
const total = Number(process.argv[2] ?? 10_000);
const baselineCount = Math.min(total, Number(process.argv[3] ?? 2_000));
const benchDb = benchDatabase('wf_bench_annual');

async function main() {
  await benchDb.recreate();
  const ctx = await createContext(
    loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: benchDb.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      DATA_DIR: path.join(os.tmpdir(), 'wf-bench-annual'),
      QUEUE_PREFIX: `bench-annual-${process.pid}`,
      SESSION_SECRET: 'bench-secret-that-is-long-enough-for-the-schema',
      PUBLIC_URL: 'https://family.welgee.example',
    }),
  );
  try {
    let t = performance.now();
    await ctx.db.execute(sql`
      INSERT INTO supporters (email, email_normalized, family_name, given_name, locale, postal_code, prefecture, address)
      SELECT 'annual' || g || '@bench.example', 'annual' || g || '@bench.example', (ARRAY['山田','佐藤','鈴木','高橋','Nguyen'])[1 + g % 5], '花子' || g,
             CASE WHEN g % 4 = 0 THEN 'en' ELSE 'ja' END, '1500001', '東京都', '渋谷区神宮前' || (g % 9 + 1) || '-2-3'
      FROM generate_series(1, ${total}) g`);
    await ctx.db.execute(sql`
      INSERT INTO donations (supporter_id, entry, amount, method, frequency, plan_amount, channel, received_at, received_on)
      SELECT s.id, 'gift', p.amount, 'card', 'monthly', p.amount, 'stripe', make_timestamptz(${YEAR}::int, m, 10, 12, 0, 0, 'Asia/Tokyo'), make_date(${YEAR}::int, m, 10)
      FROM supporters s CROSS JOIN generate_series(1, 12) m
      CROSS JOIN LATERAL (SELECT (ARRAY[1000, 5000, 10000])[1 + abs(hashtext(s.id::text)) % 3] AS amount) p`);
    await ctx.db.execute(sql`ANALYZE`);
    await prepareDraft(ctx.db, YEAR, null);
    process.stdout.write(`seeded ${total.toLocaleString('en-US')} supporters × 12 gifts in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);

    const rows = (
      (await ctx.db.execute(sql`SELECT id::text AS id, email, locale FROM supporters ORDER BY email`)) as unknown as { rows: { id: string; email: string; locale: 'ja' | 'en' }[] }
    ).rows;
    const settings = await ctx.settings.get();
    const [send] = await ctx.db
      .insert(newsletters)
      .values({ kind: 'annual_report', subjectJa: 'bench', subjectEn: 'bench', audience: { segment: 'gave_in_year', year: YEAR } })
      .returning();
    const composer = annualReportComposer({ db: ctx.db, renderEmail: ctx.renderEmail, publicUrl: ctx.config.publicUrl })(send!, settings);

    // Ours: every supporter's whole personalised message, as the send pipeline composes it.
    let next = 0;
    let bytes = 0;
    t = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < rows.length) {
          const r = rows[next++]!;
          const message = await composer.compose({ id: next, supporterId: r.id, email: r.email, locale: r.locale, attempts: 0 });
          if ('raw' in message) throw new Error('an annual report is built whole, with its receipt attached');
          bytes += message.attachments![0]!.content.length;
        }
      }),
    );
    const oursSeconds = (performance.now() - t) / 1000;
    const issued = Number(
      ((await ctx.db.execute(sql`SELECT count(DISTINCT number)::int AS n FROM annual_receipts WHERE year = ${YEAR}`)) as unknown as { rows: { n: number }[] }).rows[0]!.n,
    );
    if (issued !== rows.length) throw new Error(`${issued} receipt numbers for ${rows.length} supporters`);

    // Baseline: the same combined receipts rendered alone, their inputs read beforehand (not timed).
    const inputs: ReceiptPdfInput[] = [];
    for (const r of rows.slice(0, baselineCount)) {
      const supporter = (await findSupporterById(ctx.db, r.id))!;
      const [receipt] = await ctx.db.select().from(annualReceipts).where(eq(annualReceipts.supporterId, r.id));
      inputs.push(await annualReceiptInput(ctx.db, settings, supporter, receipt!, r.locale));
    }
    t = performance.now();
    for (const input of inputs) await renderReceiptPdf(input);
    const baseSeconds = (performance.now() - t) / 1000;

    const ours = rows.length / oursSeconds;
    const base = inputs.length / baseSeconds;
    process.stdout.write(
      `ours: ${rows.length.toLocaleString('en-US')} personalised reports (ledger, receipt number, PDF, email) in ${oursSeconds.toFixed(1)} s = ${ours.toFixed(1)} per second, average PDF ${(bytes / rows.length / 1024).toFixed(0)} KB, ${CONCURRENCY} at a time\n`,
    );
    process.stdout.write(
      `baseline: ${inputs.length.toLocaleString('en-US')} of the same receipts rendered alone from prepared inputs in ${baseSeconds.toFixed(1)} s = ${base.toFixed(1)} per second\n`,
    );
    process.stdout.write(
      `annual-report: ${ours.toFixed(1)} reports/s, ratio to render alone ${(ours / base).toFixed(2)}; target ≥ ${TARGET}/s: ${ours >= TARGET ? 'met' : 'NOT met'}\n`,
    );
    process.stdout.write(`Node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}\n`);
  } finally {
    await ctx.close();
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
