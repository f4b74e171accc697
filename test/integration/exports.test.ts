import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { auditLog, exportRuns } from '../../src/db/schema';
import { LEDGER_SUPPORTERS as S, seedLedger } from '../helpers/ledger-fixture';
import { startTestApp, type TestApp } from '../helpers/app';
import { decodeExport, parseCsv } from '../helpers/csv';
import { unescapeHtml, Visitor } from '../helpers/http';
import { signInAs } from '../helpers/staff';

const goldenDir = path.resolve(__dirname, '../golden/exports');

describe('finance exports of donation records', () => {
  let app: TestApp;
  let finance: Visitor;
  let financeId: string;

  beforeAll(async () => {
    app = await startTestApp();
    await seedLedger(app);
    ({ visitor: finance, id: financeId } = await signInAs(app, 'finance'));
  });
  afterAll(() => app.stop());

  async function download(query: string, visitor = finance) {
    const res = await fetch(`${app.url}/admin/exports/donations.csv?${query}`, { headers: { cookie: visitor.cookieHeader('/admin') }, redirect: 'manual' });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  const april = 'from=2026-04-01&to=2026-04-30';

  test.each([
    ['standard', 'utf8'],
    ['standard', 'cp932'],
    ['freee', 'utf8'],
    ['freee', 'cp932'],
    ['moneyforward', 'utf8'],
    ['moneyforward', 'cp932'],
    ['yayoi', 'utf8'],
    ['yayoi', 'cp932'],
  ] as const)('when finance export April as %s in %s, then the file is byte for byte the golden one and reads back into the right cells', async (format, encoding) => {
    const { res, bytes } = await download(`${april}&format=${format}&encoding=${encoding}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(`text/csv; charset=${encoding === 'cp932' ? 'Shift_JIS' : 'utf-8'}`);
    expect(res.headers.get('content-disposition')).toContain(`attachment; filename="welgee-donations-${format}-2026-04-01_2026-04-30`);
    const golden = path.join(goldenDir, `${format}-${encoding}.csv`);
    if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(golden, bytes);
    expect(bytes.equals(fs.readFileSync(golden))).toBe(true);

    const rows = parseCsv(decodeExport(bytes, encoding));
    const body = format === 'yayoi' ? rows : rows.slice(1);
    // Every line has as many cells as the format's columns.
    const width = { standard: 21, freee: 21, moneyforward: 27, yayoi: 25 }[format];
    for (const r of rows) expect(r).toHaveLength(width);
    // Gifts book gross; Stripe fees are their own lines; money given back is booked once.
    if (format === 'standard') {
      expect(body).toHaveLength(8); // 31 March's gift is outside the range
      const byNumber = new Map(body.map((r) => [r[1] || `${r[2]}:${r[3]}`, r]));
      const first = byNumber.get('2026-000001')!;
      expect(first.slice(0, 11)).toEqual(['2026-04-01', '2026-000001', '寄付', '', S.yamada, '山田 太郎', 'ヤマダ タロウ', '個人', '1000', '36', '964']);
      expect(byNumber.get('2026-000003')![13]).toBe('一部返金');
      expect(byNumber.get('2026-000003')![14]).toBe('2000');
      expect(byNumber.get('返金:2026-000003')![8]).toBe('-2000'); // a negative number stays a number
      expect(byNumber.get('2026-000005')![13]).toBe('取消済み');
      expect(byNumber.get('2026-000006')![13]).toBe('不審請求');
      // Formula injection: text starting with = + - @ is neutralised, numbers are not.
      const formula = byNumber.get('2026-000005')!;
      expect(formula[5]).toBe(`'=HYPERLINK("http://evil.example","x") -2+3`);
      expect(formula[6]).toBe("'@イコール");
      expect(formula[20]).toBe("'=SUM(A1:A9)");
      expect(byNumber.get('2026-000004')![20]).toBe('お振込み, "4月分"\n二行目のメモ');
      expect(byNumber.get('2026-000004')![5]).toBe(encoding === 'cp932' ? '株式会社?田商店' : '株式会社𠮷田商店');
      expect(byNumber.get('2026-000003')![5]).toBe(encoding === 'cp932' ? 'Nguyen Van An' : 'Nguyễn Văn An');
    } else {
      const amountCol = { freee: 8, moneyforward: 8, yayoi: 8 }[format];
      const total = body.reduce((sum, r) => sum + Number(r[amountCol]), 0);
      // 5 gifts (49,000) + 3 Stripe fees (576) + refund, dispute, reversal (15,000): every yen once.
      expect(body).toHaveLength(5 + 3 + 3);
      expect(total).toBe(49_000 + 576 + 15_000);
      for (const r of body) expect(r[amountCol]).toMatch(/^\d+$/);
    }
    if (format === 'freee') {
      expect(rows[0]![0]).toBe('収支区分');
      expect(body.filter((r) => r[0] === '収入').map((r) => r[6])).toEqual(Array(5).fill('受取寄付金'));
      expect(body.filter((r) => r[6] === '支払手数料').map((r) => [r[0], r[8], r[19]])).toEqual([
        ['支出', '36', 'Stripe'],
        ['支出', '180', 'Stripe'],
        ['支出', '360', 'Stripe'],
      ]);
      expect(body.find((r) => r[11]!.startsWith('寄付 2026-000004'))![19]).toBe('普通預金');
    }
    if (format === 'moneyforward') {
      expect(body.map((r) => r[0])).toEqual(body.map((_, i) => String(i + 1)));
      const gift = body.find((r) => r[18]!.startsWith('寄付 2026-000001'))!;
      expect([gift[1], gift[2], gift[3], gift[8], gift[10], gift[14], gift[16]]).toEqual(['2026/04/01', '未収入金', 'Stripe', '1000', '受取寄付金', '対象外', '1000']);
    }
    if (format === 'yayoi') {
      for (const r of body) expect(r[0]).toBe('2000');
      const fee = body.find((r) => r[16]!.startsWith('Stripe手数料 2026-000003'))!;
      expect([fee[3], fee[4], fee[7], fee[8], fee[10], fee[11]]).toEqual(['2026/04/10', '支払手数料', '非課仕入', '180', '未収入金', 'Stripe']);
    }
  });

  test('when a CP932 export replaces characters, then the run lists each one with where it was first seen, and the page shows it', async () => {
    const { res } = await download(`${april}&format=standard&encoding=cp932`);
    const runId = res.headers.get('x-export-run')!;
    const run = await finance.get(`/admin/exports/runs/${runId}`);
    const report = JSON.parse(run.html) as {
      status: string;
      rowCount: number;
      replacements: { char: string; codePoint: string; replacement: string; count: number; example: string }[];
    };
    expect(report.status).toBe('done');
    expect(report.rowCount).toBe(8);
    const byChar = new Map(report.replacements.map((r) => [r.char, r]));
    expect(byChar.get('𠮷')).toMatchObject({ codePoint: 'U+20BB7', replacement: '?', count: 1, example: `2026-000004 (${S.company})` });
    expect(byChar.get('ễ')).toMatchObject({ codePoint: 'U+1EC5', replacement: 'e' });
    expect(byChar.get('ă')).toMatchObject({ replacement: 'a' });
    const page = await finance.get('/admin/exports');
    expect(page.html).toContain('U+20BB7');
  });

  test('when the range crosses midnight in Japan, then each gift falls on its Japan day', async () => {
    const march31 = parseCsv(decodeExport((await download('from=2026-03-31&to=2026-03-31')).bytes, 'utf8'));
    expect(march31.slice(1).map((r) => r[1])).toEqual(['2026-000002']);
    const april1 = parseCsv(decodeExport((await download('from=2026-04-01&to=2026-04-01')).bytes, 'utf8'));
    expect(april1.slice(1).map((r) => r[1])).toEqual(['2026-000001']);
  });

  test('when the range is empty or spans several years, then the file has just the header, or everything', async () => {
    const empty = parseCsv(decodeExport((await download('from=2019-01-01&to=2019-12-31&format=freee')).bytes, 'utf8'));
    expect(empty).toHaveLength(1);
    expect(empty[0]![0]).toBe('収支区分');
    const yayoiEmpty = (await download('from=2019-01-01&to=2019-12-31&format=yayoi&encoding=cp932')).bytes;
    expect(yayoiEmpty.length).toBe(0);
    const years = parseCsv(decodeExport((await download('from=2018-01-01&to=2027-12-31')).bytes, 'utf8'));
    expect(years).toHaveLength(1 + 9);
  });

  test('when filters are given, then only the matching rows are exported', async () => {
    const rowsOf = async (q: string) => parseCsv(decodeExport((await download(`${april}&${q}`)).bytes, 'utf8')).slice(1);
    expect((await rowsOf('method=bank_transfer')).map((r) => r[1])).toEqual(['2026-000004']);
    expect((await rowsOf('kind=organisation')).map((r) => r[5])).toEqual(['株式会社𠮷田商店']);
    expect((await rowsOf('plan=1000')).map((r) => r[1])).toEqual(['2026-000001']);
    expect((await rowsOf('status=partially_refunded')).map((r) => r[2])).toEqual(['寄付', '返金']);
    expect((await rowsOf('status=reversed&method=cash')).map((r) => r[2])).toEqual(['寄付', '取消']);
  });

  test('when finance export, then the audit log says who, what, when and how many rows', async () => {
    const { res } = await download(`${april}&format=freee&encoding=utf8`);
    const runId = res.headers.get('x-export-run')!;
    const [entry] = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'export.donations'), eq(auditLog.targetId, runId)));
    expect(entry).toMatchObject({ staffId: financeId });
    expect(entry!.detail).toMatchObject({ from: '2026-04-01', to: '2026-04-30', format: 'freee', encoding: 'utf8', rows: 8, status: 'done', source: 'console' });
  });

  test.each([
    ['a day that does not exist', 'from=2026-02-30&to=2026-03-01', 'from'],
    ['a word for a day', 'from=abc&to=2026-03-01', 'from'],
    ['a day without leading zeros', 'from=2026-4-1&to=2026-04-30', 'from'],
    ['from after to', 'from=2026-05-01&to=2026-04-01', 'to'],
    ['more than ten years', 'from=2000-01-01&to=2026-04-01', 'to'],
    ['an unknown format', `${april}&format=excel`, 'format'],
    ['an unknown encoding', `${april}&encoding=latin1`, 'encoding'],
    ['SQL in the method', `${april}&method=${encodeURIComponent("card' OR 1=1 --")}`, 'method'],
    ['a 5,000-character status', `${april}&status=${'x'.repeat(5000)}`, 'status'],
    ['HTML in the plan', `${april}&plan=${encodeURIComponent('<script>alert(1)</script>')}`, 'plan'],
    ['a NUL kind', `${april}&kind=%00`, 'kind'],
    ['no from', `to=2026-04-30`, 'from'],
    ['from given twice as an array', `from[]=2026-04-01&to=2026-04-30`, 'from'],
  ])('when the query has %s, then 400 names the field and nothing is exported or recorded', async (_label, query, field) => {
    const before = (await app.ctx.db.select().from(exportRuns)).length;
    const { res, bytes } = await download(query);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = bytes.toString('utf8');
    expect(html).toContain(`href="#${field}"`);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect((await app.ctx.db.select().from(exportRuns)).length).toBe(before);
  });

  test('when staff without the permission ask for an export, then 403, an audit entry and no file', async () => {
    const { visitor, id } = await signInAs(app, 'staff');
    for (const url of ['/admin/exports', `/admin/exports/donations.csv?${april}`, '/admin/exports/summary', '/admin/exports/labels.csv']) {
      const res = await fetch(`${app.url}${url}`, { headers: { cookie: visitor.cookieHeader('/admin') }, redirect: 'manual' });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('山田');
    }
    const denied = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.staffId, id), eq(auditLog.action, 'access.denied')));
    expect(denied.length).toBe(4);
    const anonymous = await fetch(`${app.url}/admin/exports/donations.csv?${april}`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
  });

  test('when finance check an export on the page, then it shows the first lines and totals that match the file', async () => {
    const { html } = await finance.get(`/admin/exports?${april}&format=moneyforward`);
    expect(html).toContain('data-total="rows">8<');
    expect(html).toContain('data-total="giftAmount">￥49,000<');
    expect(html).toContain('data-total="takenBack">-￥15,000<');
    expect(html).toContain('data-total="fees">￥576<');
    expect(html).toContain('借方勘定科目');
    expect(unescapeHtml(html)).toMatch(/href="\/admin\/exports\/donations\.csv\?from=2026-04-01&to=2026-04-30&format=moneyforward&encoding=utf8&run=[0-9a-f-]{36}"/);
    const empty = await finance.get('/admin/exports?from=2019-01-01&to=2019-01-31');
    expect(empty.html).toContain('当てはまる記録はありません');
    const bad = await finance.get('/admin/exports?from=2026-05-01&to=2026-04-01');
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('終了日は開始日と同じか');
  });

  test('when finance open the monthly summary, then each month adds up, on the page and in the CSV', async () => {
    const { html } = await finance.get('/admin/exports/summary?year=2026');
    expect(html).toContain('data-total="gross">￥50,000<');
    expect(html).toContain('data-total="net">￥34,388<'); // 50,000 − 612 fees − 15,000 given back
    const res = await fetch(`${app.url}/admin/exports/summary.csv?year=2026&encoding=cp932`, { headers: { cookie: finance.cookieHeader('/admin') } });
    const rows = parseCsv(decodeExport(Buffer.from(await res.arrayBuffer()), 'cp932'));
    expect(rows[0]).toEqual(['月', '集計', '内訳', '件数', '寄付額', '手数料', '返金・取消', '差引']);
    expect(rows.find((r) => r[0] === '2026-04' && r[1] === '合計')).toEqual(['2026-04', '合計', '', '5', '49000', '576', '15000', '33424']);
    expect(rows.find((r) => r[0] === '2026-03' && r[1] === '合計')).toEqual(['2026-03', '合計', '', '1', '1000', '36', '0', '964']);
    expect(rows.find((r) => r[0] === '2026-04' && r[2] === '月額1,000円')).toEqual(['2026-04', 'プラン別', '月額1,000円', '1', '1000', '36', '0', '964']);
    expect(rows.find((r) => r[0] === '2026-04' && r[2] === '銀行振込')).toEqual(['2026-04', '支払方法別', '銀行振込', '1', '30000', '0', '0', '30000']);
    expect(rows.at(-1)).toEqual(['年間合計', '合計', '', '6', '50000', '612', '15000', '34388']);
    expect((await finance.get('/admin/exports/summary?year=20x6')).res.status).toBe(400);
  });

  test('when finance download address labels, then only supporters who accepted post and gave an address are there, with 様 or 御中', async () => {
    const res = await fetch(`${app.url}/admin/exports/labels.csv?encoding=utf8`, { headers: { cookie: finance.cookieHeader('/admin') } });
    const rows = parseCsv(decodeExport(Buffer.from(await res.arrayBuffer()), 'utf8'));
    expect(rows[0]).toEqual(['郵便番号', '住所', '宛名', '支援者ID']);
    expect(rows.slice(1).sort((a, b) => a[3]!.localeCompare(b[3]!))).toEqual([
      ['〒150-0001', '東京都渋谷区神宮前1-2-3 WELビル4F', '山田 太郎 様', S.yamada],
      ['〒530-0001', '大阪府大阪市北区梅田1-1', 'Nguyễn Văn An 様', S.nguyen],
      ['〒060-0001', '北海道札幌市中央区北1条西1', '株式会社𠮷田商店 御中', S.company],
    ]);
    expect((await fetch(`${app.url}/admin/exports/labels.csv?encoding=ebcdic`, { headers: { cookie: finance.cookieHeader('/admin') } })).status).toBe(400);
  });
});
