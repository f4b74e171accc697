import crypto from 'node:crypto';
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { auditLog, bankImportLines, bankImports, donations, subscriptions, supporters } from '../../src/db/schema';
import { rolePermissions } from '../../src/features/staff';
import { tokyoDay } from '../../src/lib/dates';
import { startTestApp, type TestApp } from '../helpers/app';
import { unescapeHtml, Visitor } from '../helpers/http';
import { signInAs } from '../helpers/staff';

const DAY = 24 * 3600 * 1000;
/** A Japan day some days back, as YYYY-MM-DD. */
const daysAgo = (n: number) => tokyoDay(new Date(Date.now() - n * DAY));
const slashed = (day: string) => day.replaceAll('-', '/');
const reiwa = (day: string) => `R${Number(day.slice(0, 4)) - 2018}.${day.slice(5, 7)}.${day.slice(8, 10)}`;

let n = 0;
async function addSupporter(app: TestApp, family: string, given: string, plan?: number) {
  n += 1;
  const email = `imp-${Date.now()}-${n}@example.jp`;
  const [row] = await app.ctx.db
    .insert(supporters)
    .values({ email, emailNormalized: email, familyName: `姓${n}`, givenName: `名${n}`, familyNameKana: family, givenNameKana: given })
    .returning();
  if (plan) {
    await app.ctx.db
      .insert(subscriptions)
      .values({ supporterId: row!.id, stripeSubscriptionId: `sub_${crypto.randomUUID()}`, stripeCustomerId: `cus_${n}`, status: 'active', amount: plan });
  }
  return row!;
}

const count = async (app: TestApp, table: typeof bankImports | typeof bankImportLines | typeof donations) =>
  (await app.ctx.db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(table))[0]!.n;

describe('bank statement import', () => {
  let app: TestApp;
  let visitor: Visitor;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    ({ visitor } = await signInAs(app, 'finance'));
    token = await visitor.csrf('/admin/imports');
  });
  afterAll(() => app.stop());

  /** Uploads bytes as a browser's multipart form does, the CSRF token in the query string. */
  async function upload(bytes: Buffer, opts: { filename?: string; csrf?: string | null } = {}) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'text/csv' }), opts.filename ?? 'statement.csv');
    const csrf = opts.csrf === undefined ? token : opts.csrf;
    const res = await fetch(`${app.url}/admin/imports${csrf ? `?_csrf=${encodeURIComponent(csrf)}` : ''}`, {
      method: 'POST',
      body: form,
      headers: { cookie: visitor.cookieHeader('/admin') },
      redirect: 'manual',
    });
    return { res, html: await res.text(), location: res.headers.get('location') };
  }

  const importIdFrom = (location: string | null) => /^\/admin\/imports\/([0-9a-f-]{36})/.exec(location ?? '')?.[1];
  const linesOf = (importId: string) => app.ctx.db.select().from(bankImportLines).where(eq(bankImportLines.importId, importId)).orderBy(asc(bankImportLines.lineNo));
  const confirm = (importId: string, choices: Record<string, string>) => visitor.post(`/admin/imports/${importId}/confirm`, { _csrf: token, ...choices });

  test('when a UTF-8 statement and a CP932 statement with half-width kana are uploaded, then each line suggests the right supporter and confirm records exactly the chosen lines', async () => {
    const hanakoMonthly = await addSupporter(app, 'ヤマダ', 'ハナコ', 5000);
    await addSupporter(app, 'ヤマダ', 'ハナコ'); // same name, no plan: the plan decides
    const ichiro = await addSupporter(app, 'スズキ', 'イチロー');
    const emily = await addSupporter(app, 'ジョーンズ', 'エミリー');
    const yuki1 = await addSupporter(app, 'サトウ', 'ユキ');
    const yuki2 = await addSupporter(app, 'サトウ', 'ユキ');

    const d1 = daysAgo(3);
    const d2 = daysAgo(2);
    const utf8 = Buffer.from(
      '\uFEFF日付,金額,振込依頼人名,メモ\r\n' +
        `${slashed(d1)},"5,000",ﾔﾏﾀﾞ ﾊﾅｺ,\r\n` +
        `${d1},3000,ﾌﾘｺﾐ ｽｽﾞｷ ｲﾁﾛｳ,"11月分,\r\n会費"\r\n` +
        `${d2},10000,ｼﾞﾖ-ﾝｽﾞ ｴﾐﾘ-,\r\n` +
        `${d2},2000,ﾀｶﾊｼ ｹﾝ,\r\n` +
        `${d2},1000,ｻﾄｳ ﾕｷ,\r\n`,
      'utf8',
    );
    const up = await upload(utf8, { filename: '入金明細.csv' });
    expect(up.res.status).toBe(303);
    const importId = importIdFrom(up.location)!;
    const [imp] = await app.ctx.db.select().from(bankImports).where(eq(bankImports.id, importId));
    expect(imp).toMatchObject({ encoding: 'utf-8', status: 'review', filename: '入金明細.csv' });

    const lines = await linesOf(importId);
    expect(lines.map((l) => [l.lineNo, l.receivedOn, l.amount, l.payerName, l.suggestedSupporterId, l.status])).toEqual([
      [2, d1, 5000, 'ヤマダ ハナコ', hanakoMonthly.id, 'pending'],
      [3, d1, 3000, 'フリコミ スズキ イチロウ', ichiro.id, 'pending'],
      // The quoted newline above makes the next record start on line 5.
      [5, d2, 10000, 'ジヨ-ンズ エミリ-', emily.id, 'pending'],
      [6, d2, 2000, 'タカハシ ケン', null, 'pending'],
      [7, d2, 1000, 'サトウ ユキ', null, 'pending'],
    ]);
    expect(lines[0]!.fingerprint).toBe(`${d1}|5000|ヤマダハナコ|1`);
    const audit = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'import.upload'), eq(auditLog.targetId, importId)));
    expect(audit).toHaveLength(1);

    const review = await visitor.get(`/admin/imports/${importId}`);
    expect(review.res.status).toBe(200);
    const html = unescapeHtml(review.html);
    expect(html).toContain('ヤマダ ハナコ');
    expect(html).toContain(`<option value="s:${hanakoMonthly.id}" selected>`);
    expect(html).toContain('名前が一致・月額プランの金額と一致');
    expect(html).toContain(`value="s:${yuki1.id}"`);
    expect(html).toContain(`value="s:${yuki2.id}"`);

    // "Pick another supporter" for the サトウ ユキ line through its own page.
    const [, ichiroLine, emilyLine, unknownLine, yukiLine] = lines;
    const pick = await visitor.get(`/admin/imports/${importId}/lines/${yukiLine!.id}?q=${encodeURIComponent('さとう ゆき')}`);
    expect(pick.html).toContain(`value="${yuki2.id}"`);
    const chosen = await visitor.post(`/admin/imports/${importId}/lines/${yukiLine!.id}`, { _csrf: token, supporter_id: yuki2.id });
    expect(chosen.res.status).toBe(303);
    expect(unescapeHtml((await visitor.get(`/admin/imports/${importId}`)).html)).toContain(`<option value="s:${yuki2.id}" selected>`);

    const before = await count(app, donations);
    const done = await confirm(importId, {
      [`line_${lines[0]!.id}`]: `s:${hanakoMonthly.id}`,
      [`line_${ichiroLine!.id}`]: 'skip',
      [`line_${emilyLine!.id}`]: '',
      [`line_${unknownLine!.id}`]: 'new',
      [`line_${yukiLine!.id}`]: `s:${yuki2.id}`,
    });
    expect(done.res.status).toBe(303);
    expect(done.location).toBe(`/admin/imports/${importId}?recorded=3&skipped=1&duplicates=0`);
    expect(await count(app, donations)).toBe(before + 3);

    const after = await linesOf(importId);
    expect(after.map((l) => l.status)).toEqual(['recorded', 'skipped', 'pending', 'recorded', 'recorded']);
    const gifts = await app.ctx.db.select().from(donations).where(isNotNull(donations.bankFingerprint));
    const byFingerprint = new Map(gifts.map((g) => [g.bankFingerprint, g]));
    expect(byFingerprint.get(lines[0]!.fingerprint)).toMatchObject({
      supporterId: hanakoMonthly.id,
      amount: 5000,
      channel: 'offline',
      method: 'bank_transfer',
      entry: 'gift',
      payerName: 'ヤマダ ハナコ',
      receivedOn: d1,
    });
    expect(byFingerprint.get(yukiLine!.fingerprint)!.supporterId).toBe(yuki2.id);
    const created = byFingerprint.get(unknownLine!.fingerprint)!;
    const [newSupporter] = await app.ctx.db.select().from(supporters).where(eq(supporters.id, created.supporterId));
    expect(newSupporter).toMatchObject({ familyName: 'タカハシ', givenName: 'ケン', familyNameKana: 'タカハシ', givenNameKana: 'ケン', status: 'one_time' });
    expect(newSupporter!.email).toMatch(/@no-email\.invalid$/);
    for (const g of [byFingerprint.get(lines[0]!.fingerprint)!, created]) expect(g.receiptNumber).toMatch(/^\d{4}-\d{6}$/);
    expect((await app.ctx.db.select().from(bankImports).where(eq(bankImports.id, importId)))[0]!.status).toBe('review');
    expect(
      await app.ctx.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'import.confirm'), eq(auditLog.targetId, importId))),
    ).toHaveLength(1);

    // The line left for later is confirmed next; then the import is complete.
    await confirm(importId, { [`line_${emilyLine!.id}`]: `s:${emily.id}` });
    expect((await linesOf(importId)).map((l) => l.status)).toEqual(['recorded', 'skipped', 'recorded', 'recorded', 'recorded']);
    expect((await app.ctx.db.select().from(bankImports).where(eq(bankImports.id, importId)))[0]!.status).toBe('confirmed');

    // CP932 (Shift_JIS) with account lines above the header, 令和 dates and a withdrawal.
    const kenji = await addSupporter(app, 'キムラ', 'ケンジ', 10000);
    const d3 = daysAgo(1);
    const cp932 = iconv.encode(
      '口座番号,1234567\r\n期間,今月\r\n' +
        '取引日,お預り金額,お引出金額,依頼人名\r\n' +
        `${reiwa(d3)},"10,000",,ｷﾑﾗ ｹﾝｼﾞ\r\n` +
        `${reiwa(d3)},,500,ﾃｽｳﾘﾖｳ\r\n` +
        `${reiwa(d3)},１，０００,,ｷﾑﾗ ｹﾝｼﾞ\r\n`,
      'cp932',
    );
    expect(cp932.includes(Buffer.from('ｷﾑﾗ', 'utf8'))).toBe(false);
    const up2 = await upload(cp932, { filename: 'meisai.csv' });
    expect(up2.res.status).toBe(303);
    const second = importIdFrom(up2.location)!;
    expect((await app.ctx.db.select().from(bankImports).where(eq(bankImports.id, second)))[0]!.encoding).toBe('cp932');
    const sjisLines = await linesOf(second);
    expect(sjisLines.map((l) => [l.lineNo, l.receivedOn, l.amount, l.payerName, l.suggestedSupporterId])).toEqual([
      [4, d3, 10000, 'キムラ ケンジ', kenji.id],
      [6, d3, 1000, 'キムラ ケンジ', kenji.id],
    ]);
  });

  test('when a supporter paid under this exact payer name before, then the review puts them first among namesakes and says why', async () => {
    const namesakeMonthly = await addSupporter(app, 'ミヤモト', 'サクラ', 5000);
    const namesake = await addSupporter(app, 'ミヤモト', 'サクラ');
    const payer = await addSupporter(app, 'ミヤモト', 'サクラ');
    // The first transfer: three namesakes, staff pick the one who pays.
    const first = await upload(Buffer.from(`日付,金額,振込依頼人名\n${daysAgo(40)},5000,ﾐﾔﾓﾄ ｻｸﾗ\n`, 'utf8'));
    const [l1] = await linesOf(importIdFrom(first.location)!);
    expect(l1!.suggestedSupporterId).toBe(namesakeMonthly.id);
    await confirm(importIdFrom(first.location)!, { [`line_${l1!.id}`]: `s:${payer.id}` });
    const [gift] = await app.ctx.db.select().from(donations).where(eq(donations.supporterId, payer.id));
    expect(gift!.payerName).toBe('ミヤモト サクラ');

    // The next month, the same payer name: the one who paid before comes first, above the namesake with the plan.
    const next = await upload(Buffer.from(`日付,金額,振込依頼人名\n${daysAgo(10)},5000,ﾐﾔﾓﾄ ｻｸﾗ\n`, 'utf8'));
    const nextId = importIdFrom(next.location)!;
    const [l2] = await linesOf(nextId);
    expect(l2!.suggestedSupporterId).toBe(payer.id);
    const html = unescapeHtml((await visitor.get(`/admin/imports/${nextId}`)).html);
    expect(html).toContain('以前この振込名義で入金あり・名前が一致');
    // The namesakes stay choices, each with its reason, the one with the plan before the other.
    const options = [...html.matchAll(/<option value="s:([0-9a-f-]{36})"[^>]*>([^<]*)<\/option>/g)];
    const ids = options.map((m) => m[1]);
    expect(ids.indexOf(payer.id)).toBe(0);
    expect(ids.indexOf(namesakeMonthly.id)).toBeLessThan(ids.indexOf(namesake.id));
    expect(options.find((m) => m[1] === namesakeMonthly.id)![2]).toContain('（名前が一致・月額プランの金額と一致）');
  });

  test('when payer names come without spaces, in bank notation or with ﾂ for ッ, then the supporter is suggested', async () => {
    n += 1;
    const email = `org-${Date.now()}-${n}@example.jp`;
    const [org] = await app.ctx.db
      .insert(supporters)
      .values({ kind: 'organisation', email, emailNormalized: email, familyName: 'ブルーテック', givenName: '', organisationName: '株式会社ブルーテック' })
      .returning();
    const kenta = await addSupporter(app, 'ホシノ', 'ケンタ');
    const d = daysAgo(12);
    const up = await upload(Buffer.from(`日付,金額,振込依頼人名\n${d},30000,ｶ)ﾌﾞﾙ-ﾃﾂｸ\n${d},3000,ﾎｼﾉｹﾝﾀ\n${d},3000,ｹﾝﾀ ﾎｼﾉ\n`, 'utf8'));
    const lines = await linesOf(importIdFrom(up.location)!);
    expect(lines.map((l) => l.suggestedSupporterId)).toEqual([org!.id, kenta.id, kenta.id]);
  });

  test('when the same file is uploaded twice, or an overlapping statement later, then nothing is recorded twice', async () => {
    const mika = await addSupporter(app, 'タナカ', 'ミカ');
    const jun = await addSupporter(app, 'ナカムラ', 'ジュン');
    const a = daysAgo(6);
    const b = daysAgo(5);
    const c = daysAgo(4);
    const first = Buffer.from(`日付,金額,振込依頼人名\n${a},3000,ﾀﾅｶ ﾐｶ\n${b},3000,ﾀﾅｶ ﾐｶ\n${b},3000,ﾀﾅｶ ﾐｶ\n`, 'utf8');
    const up = await upload(first);
    const importId = importIdFrom(up.location)!;
    const lines = await linesOf(importId);
    expect(lines.map((l) => l.fingerprint)).toEqual([`${a}|3000|タナカミカ|1`, `${b}|3000|タナカミカ|1`, `${b}|3000|タナカミカ|2`]);
    await confirm(importId, Object.fromEntries(lines.map((l) => [`line_${l.id}`, `s:${mika.id}`])));
    expect(await app.ctx.db.select().from(donations).where(eq(donations.supporterId, mika.id))).toHaveLength(3);

    // The very same file: the earlier import is shown, nothing new is stored.
    const imports = await count(app, bankImports);
    const importLines = await count(app, bankImportLines);
    const again = await upload(first, { filename: 'renamed.csv' });
    expect(again.res.status).toBe(303);
    expect(again.location).toBe(`/admin/imports/${importId}?already=1`);
    expect(unescapeHtml((await visitor.get(again.location!)).html)).toContain('すでに取り込まれています');
    expect(await count(app, bankImports)).toBe(imports);
    expect(await count(app, bankImportLines)).toBe(importLines);

    // An overlapping statement (same two transfers on day b, written the bank's other way) plus one new line.
    const overlap = Buffer.from(`取引日,入金額,振込依頼人名\n${slashed(b)},"3,000",ﾀﾅｶ  ﾐｶ\n${slashed(b)},3000,ﾀﾅｶ ﾐｶ\n${slashed(c)},8000,ﾅｶﾑﾗ ｼﾞﾕﾝ\n`, 'utf8');
    const up2 = await upload(overlap);
    const second = importIdFrom(up2.location)!;
    const lines2 = await linesOf(second);
    expect(lines2.map((l) => l.status)).toEqual(['duplicate', 'duplicate', 'pending']);
    expect(lines2[2]!.suggestedSupporterId).toBe(jun.id);
    const review = unescapeHtml((await visitor.get(`/admin/imports/${second}`)).html);
    expect(review).toContain('取り込み済み（重複）');
    // Even a crafted choice for a duplicate line records nothing.
    const before = await count(app, donations);
    const done = await confirm(second, Object.fromEntries(lines2.map((l) => [`line_${l.id}`, `s:${jun.id}`])));
    expect(done.location).toContain('recorded=1');
    expect(await count(app, donations)).toBe(before + 1);
    expect(await app.ctx.db.select().from(donations).where(eq(donations.supporterId, mika.id))).toHaveLength(3);
  });

  test('when one transfer waits in two overlapping imports and both are confirmed, then it is recorded once and shows as a duplicate in the other', async () => {
    const kaito = await addSupporter(app, 'オガワ', 'カイト');
    const d = daysAgo(8);
    const x = await upload(Buffer.from(`日付,金額,振込依頼人名\n${d},4000,ｵｶﾞﾜ ｶｲﾄ\n${d},100,ﾘｿｸ\n`, 'utf8'));
    const y = await upload(Buffer.from(`日付,金額,振込依頼人名\n${d},4000,ｵｶﾞﾜ ｶｲﾄ\n`, 'utf8'));
    const [lx] = await linesOf(importIdFrom(x.location)!);
    const [ly] = await linesOf(importIdFrom(y.location)!);
    expect([lx!.status, ly!.status]).toEqual(['pending', 'pending']);
    await confirm(importIdFrom(y.location)!, { [`line_${ly!.id}`]: `s:${kaito.id}` });
    const res = await confirm(importIdFrom(x.location)!, { [`line_${lx!.id}`]: `s:${kaito.id}` });
    expect(res.location).toContain('recorded=0&skipped=0&duplicates=1');
    expect((await linesOf(importIdFrom(x.location)!))[0]!.status).toBe('duplicate');
    expect(await app.ctx.db.select().from(donations).where(eq(donations.supporterId, kaito.id))).toHaveLength(1);
  });

  test('when a file has malformed lines, then it is rejected with their line numbers and nothing is stored', async () => {
    const imports = await count(app, bankImports);
    const lines = await count(app, bankImportLines);
    const bad = Buffer.from(
      '日付,金額,振込依頼人名\n' +
        `${daysAgo(2)},1000,ﾔﾏﾀﾞ ﾀﾛｳ\n` +
        '2026/13/45,1000,ﾔﾏﾀﾞ ﾀﾛｳ\n' +
        `${daysAgo(2)},1000,ﾔﾏﾀﾞ ｼﾞﾛｳ\n` +
        `${daysAgo(2)},千円,ﾔﾏﾀﾞ ｻﾌﾞﾛｳ\n` +
        `${daysAgo(2)},1000,ﾔﾏﾀﾞ ｼﾛｳ,余分な列\n` +
        `${tokyoDay(new Date(Date.now() + 3 * DAY))},1000,ﾐﾗｲ\n` +
        `${daysAgo(2)},"1000,ﾔﾏﾀﾞ\n`,
      'utf8',
    );
    const { res, html } = await upload(bad);
    expect(res.status).toBe(422);
    const text = unescapeHtml(html);
    expect(text).toContain('3行目: 日付が読めません');
    expect(text).toContain('5行目: 金額が数字ではありません');
    expect(text).toContain('6行目: 列の数が見出し行と違います');
    expect(text).toContain('7行目: 日付が未来です');
    expect(text).toContain('8行目: 引用符');
    expect(text).not.toContain('2行目');
    expect(text).not.toContain('4行目');
    // One summary: its first line links to the file field, then the unreadable lines in statement order.
    expect(text).toMatch(/data-error-summary[\s\S]*何も取り込んでいません[\s\S]*<a href="#file">読めない行があるため[^<]*<\/a>[\s\S]*3行目[\s\S]*8行目/);
    expect(html).toContain('aria-describedby="file-error"');
    expect(await count(app, bankImports)).toBe(imports);
    expect(await count(app, bankImportLines)).toBe(lines);
  });

  test('when a confirm chooses a supporter who no longer exists, then nothing is recorded and the summary names the line and links to its choice', async () => {
    const { location } = await upload(Buffer.from(`日付,金額,振込依頼人名\n${daysAgo(1)},1000,ﾏｴﾀﾞ ｹﾝ\n${daysAgo(1)},2000,ｺﾞﾄｳ ﾐｷ\n`, 'utf8'));
    const importId = importIdFrom(location)!;
    const [, second] = await linesOf(importId);
    const donationsBefore = await count(app, donations);
    const refused = await confirm(importId, { [`line_${second!.id}`]: `s:${crypto.randomUUID()}` });
    expect(refused.location).toBe(`/admin/imports/${importId}?error=supporter&line=${second!.id}`);
    const page = unescapeHtml((await visitor.get(refused.location!)).html);
    expect(page).toMatch(new RegExp(`data-error-summary[\\s\\S]*<a href="#choice-${second!.id}">3行目で選んだ支援者が見つかりません`));
    expect(page).toContain(`id="choice-${second!.id}"`);
    expect(await count(app, donations)).toBe(donationsBefore);
  });

  test('when the upload is binary, not a statement, empty or too large, then a clear 4xx and nothing is stored', async () => {
    const imports = await count(app, bankImports);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    const binary = await upload(png, { filename: 'photo.csv' });
    expect(binary.res.status).toBe(415);
    expect(unescapeHtml(binary.html)).toContain('CSVファイルではないようです');

    const prose = await upload(Buffer.from('こんにちは。これは明細ではありません。\n', 'utf8'), { filename: 'note.txt' });
    expect(prose.res.status).toBe(422);
    expect(unescapeHtml(prose.html)).toContain('見出し行');

    const empty = await upload(Buffer.alloc(0));
    expect(empty.res.status).toBe(422);

    const header = '日付,金額,振込依頼人名\n';
    const huge = Buffer.concat([Buffer.from(header), Buffer.alloc(1024 * 1024, 'a')]);
    const tooLarge = await upload(huge);
    expect(tooLarge.res.status).toBe(413);
    expect(unescapeHtml(tooLarge.html)).toContain('ファイルが大きすぎます');

    const noFile = await visitor.post('/admin/imports', { _csrf: token });
    expect(noFile.res.status).toBe(422);
    expect(unescapeHtml(noFile.html)).toContain('<a href="#file">CSVファイルを選んでください。</a>');
    expect(await count(app, bankImports)).toBe(imports);
  });

  test('when the CSRF token is missing or sent in the query string of a non-multipart form, then 403 and nothing is stored', async () => {
    const imports = await count(app, bankImports);
    const file = Buffer.from(`日付,金額,振込依頼人名\n${daysAgo(1)},1000,ﾜﾀﾅﾍﾞ ｱｵｲ\n`, 'utf8');
    expect((await upload(file, { csrf: null })).res.status).toBe(403);
    expect((await upload(file, { csrf: 'forged-token-value' })).res.status).toBe(403);
    // Only multipart bodies may carry the token in the query string.
    const urlencoded = await fetch(`${app.url}/admin/gifts?_csrf=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { cookie: visitor.cookieHeader('/admin'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'amount=1000',
      redirect: 'manual',
    });
    expect(urlencoded.status).toBe(403);
    expect(await count(app, bankImports)).toBe(imports);
    const { res } = await upload(file);
    expect(res.status).toBe(303);
  });

  test('when a staff member without gifts:import tries, then 403 (every role has it today, so it is taken away here)', async () => {
    const table = rolePermissions as Record<string, readonly string[]>;
    const original = table.staff!;
    const { visitor: member } = await signInAs(app, 'staff');
    table.staff = original.filter((p) => p !== 'gifts:import');
    try {
      expect((await member.get('/admin/imports')).res.status).toBe(403);
    } finally {
      table.staff = original;
    }
    expect((await member.get('/admin/imports')).res.status).toBe(200);
  });
});
