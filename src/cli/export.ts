import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { configFromProcess } from '../../config';
import { openDatabase } from '../db/client';
import { isLocale, translateKey } from '../lib/i18n';
import { createSettingsService } from '../features/settings';
import { donationsExportQuery, exportDonations, queryErrors } from '../features/exports';

const USAGE =
  'usage: npm run export -- --from YYYY-MM-DD --to YYYY-MM-DD [--format standard|freee|moneyforward|yayoi] [--encoding utf8|cp932]\n' +
  '       [--method card|bank_transfer|cash|corporate] [--status paid|partially_refunded|refunded|disputed|reversed]\n' +
  '       [--plan 1000|5000|10000|one_time] [--kind individual|organisation] [--lang ja|en] [--out FILE]\n' +
  'Writes the CSV to FILE (or standard output) and what it replaced to standard error.';

/** npm run export -- --from … --to … --format … --encoding …: the console's donations export, from a shell. */
async function run() {
  const { values } = parseArgs({
    options: Object.fromEntries(['from', 'to', 'format', 'encoding', 'method', 'status', 'plan', 'kind', 'lang', 'out'].map((k) => [k, { type: 'string' as const }])),
  });
  const lang = values.lang ?? 'ja';
  const parsed = donationsExportQuery.safeParse(values);
  if (!parsed.success || !isLocale(lang)) {
    const errors = parsed.success
      ? { lang: 'ja|en' }
      : Object.fromEntries(Object.entries(queryErrors(parsed.error)).map(([k, v]) => [k, translateKey('en', v, { field: `--${k}` })]));
    throw new Error(
      `${Object.entries(errors)
        .map(([k, v]) => `--${k}: ${v}`)
        .join('\n')}\n${USAGE}`,
    );
  }
  const config = configFromProcess();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await database.migrate();
  const out = values.out ? fs.createWriteStream(values.out) : process.stdout;
  try {
    const settings = await createSettingsService(database.db);
    const { run, result } = await exportDonations({ db: database.db, settings }, parsed.data, lang, { staffId: null, source: 'cli' }, out);
    if (values.out) await new Promise<void>((resolve, reject) => (out as fs.WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())));
    process.stderr.write(`exported ${result.rows} ledger rows as ${result.lines} lines (run ${run.id})\n`);
    for (const r of result.replacements) process.stderr.write(`replaced ${r.char} ${r.codePoint} by ${r.replacement} ×${r.count}, first in ${r.example}\n`);
  } finally {
    await database.close();
  }
}

run().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
