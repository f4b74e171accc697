import { spawn } from 'node:child_process';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { auditLog, donations, exportRuns } from '../../src/db/schema';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { decodeExport, parseCsv } from '../helpers/csv';
import { giftsOf, joinAndPay } from '../helpers/giving';
import { signInAs } from '../helpers/staff';
import type { Visitor } from '../helpers/http';

const root = path.resolve(__dirname, '../..');

/** Runs `npm run export` (its script) against the app's database; resolves with stdout, stderr and the exit code. */
function runCli(app: TestApp, args: string[]): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/cli/export.ts', ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: app.config.databaseUrl ?? '',
        DATA_DIR: app.config.dataDir,
        REDIS_URL: app.config.redisUrl ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ stdout: Buffer.concat(out), stderr: err, code }));
  });
}

describe('exports of gifts paid through Stripe, and from the command line', () => {
  let app: TestApp;
  let finance: Visitor;
  let today: string;

  beforeAll(async () => {
    app = await startTestApp();
    ({ visitor: finance } = await signInAs(app, 'finance'));
    const monthly = await joinAndPay(app, { plan: '5000', family_name: '佐藤', given_name: '花子', family_name_kana: 'サトウ', given_name_kana: 'ハナコ' });
    const other = await joinAndPay(app, { plan: '1000', family_name: 'Müller', given_name: 'Anna' });
    await app.ctx.stripe.stripe.refunds.create({ charge: other.gifts[0]!.stripeChargeId!, amount: 1000 });
    await eventually(async () => (await giftsOf(app, other.supporter.id)).some((d) => d.entry === 'refund'));
    today = monthly.gifts[0]!.receivedOn;
  }, 60_000);
  afterAll(() => app.stop());

  test('when gifts came through Stripe, then the export carries their Stripe ids and fees, and every yen matches the ledger', async () => {
    const res = await fetch(`${app.url}/admin/exports/donations.csv?from=${today}&to=${today}`, { headers: { cookie: finance.cookieHeader('/admin') } });
    const rows = parseCsv(decodeExport(Buffer.from(await res.arrayBuffer()), 'utf8')).slice(1);
    const ledger = await app.ctx.db.select().from(donations);
    expect(rows).toHaveLength(ledger.length);
    for (const d of ledger) {
      const line = rows.find((r) => (d.entry === 'gift' ? r[1] === d.receiptNumber : r[18] === d.stripeRefundId))!;
      expect(Number(line[8])).toBe(d.amount);
      expect(line[15]).toBe(d.stripeChargeId);
      if (d.entry === 'gift') {
        expect(line[16]).toBe(d.stripeInvoiceId);
        expect(line[9]).toBe(d.fee === null ? '' : String(d.fee));
      }
    }
    expect(rows.find((r) => r[5] === 'Müller Anna' && r[2] === '寄付')![13]).toBe('返金済み');

    const freee = parseCsv(
      decodeExport(
        Buffer.from(
          await (
            await fetch(`${app.url}/admin/exports/donations.csv?from=${today}&to=${today}&format=freee`, { headers: { cookie: finance.cookieHeader('/admin') } })
          ).arrayBuffer(),
        ),
        'utf8',
      ),
    ).slice(1);
    const net = freee.reduce((sum, r) => sum + (r[0] === '収入' ? 1 : -1) * Number(r[8]), 0);
    const ledgerNet = ledger.reduce((sum, d) => sum + d.amount - (d.fee ?? 0), 0);
    expect(net).toBe(ledgerNet);
  });

  (process.env.DATABASE_URL ? test : test.skip)(
    'when finance run the export from the command line, then it writes the same file, reports what it replaced and is recorded',
    async () => {
      const query = `from=${today}&to=${today}&format=yayoi&encoding=cp932`;
      const web = Buffer.from(await (await fetch(`${app.url}/admin/exports/donations.csv?${query}`, { headers: { cookie: finance.cookieHeader('/admin') } })).arrayBuffer());
      const cli = await runCli(app, ['--from', today, '--to', today, '--format', 'yayoi', '--encoding', 'cp932']);
      expect(cli.code).toBe(0);
      expect(cli.stdout.equals(web)).toBe(true);
      expect(cli.stderr).toContain('replaced ü U+00FC by u');
      const runs = await app.ctx.db.select().from(exportRuns).where(eq(exportRuns.source, 'cli'));
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'done', staffId: null, rowCount: 3 });
      const audit = await app.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, runs[0]!.id));
      expect(audit[0]).toMatchObject({ action: 'export.donations', staffId: null });

      const bad = await runCli(app, ['--from', '2026-13-01', '--to', today, '--format', 'excel']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('--from: Enter --from as a real day, like 2026-04-01.');
      expect(bad.stderr).toContain('--format: The format is one of standard, freee, moneyforward, yayoi.');
      expect(bad.stdout.length).toBe(0);
    },
    60_000,
  );
});
