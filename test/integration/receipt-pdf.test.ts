import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReceiptPdf, type ReceiptPdfInput } from '../../src/features/giving/receipt-pdf';

const artifacts = join(__dirname, '..', 'artifacts');
const work = mkdtempSync(join(tmpdir(), 'receipt-pdf-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const issuer = {
  name: '特定非営利活動法人WELgee',
  address: '東京都港区芝浦3-1-1 田町ステーションタワーN 3F',
  representative: '代表理事 渡部 カンコロンゴ 清花',
};
const note = '特定非営利活動法人WELgeeは認定NPO法人ではないため、このご寄付は寄付金控除の対象になりません。';

function singleReceipt(overrides: Partial<ReceiptPdfInput> = {}): ReceiptPdfInput {
  return {
    locale: 'ja',
    kind: 'single',
    receiptNumber: '2026-000123',
    issuedOn: new Date('2026-11-22T01:00:00Z'),
    recipient: { name: '山田 太郎', address: '〒105-0023 東京都港区芝浦1-2-3' },
    issuer,
    lines: [{ date: new Date('2026-11-21T23:30:00Z'), amount: 5000, description: 'WELgeeファミリー 月額寄付', method: 'クレジットカード' }],
    total: 5000,
    note,
    ...overrides,
  };
}

function annualReceipt(): ReceiptPdfInput {
  // 30 gifts of the Japanese year 2026: the first was made on 31 December 2025 in UTC (00:30 on 1 January
  // in Japan), the last at 23:30 on 31 December in Japan (14:30 UTC).
  const lines = Array.from({ length: 30 }, (_, i) => ({
    date: i === 0 ? new Date('2025-12-31T15:30:00Z') : i === 29 ? new Date('2026-12-31T14:30:00Z') : new Date(Date.UTC(2026, Math.floor(i / 3), 1 + (i % 3) * 9, 3)),
    amount: i % 2 === 0 ? 5000 : 1000,
    description: i % 5 === 0 ? '緊急支援キャンペーンへのご寄付（難民の方々の就労支援と住まいの確保のために）' : 'WELgeeファミリー 月額寄付',
    method: i % 4 === 0 ? '銀行振込' : 'クレジットカード',
  }));
  return {
    ...singleReceipt(),
    kind: 'annual',
    receiptNumber: '2027-000042',
    issuedOn: new Date('2027-01-15T00:00:00Z'),
    year: 2026,
    recipient: { name: 'グエン・ヴァン・アン（Nguyễn Văn An）' },
    lines,
    total: lines.reduce((sum, line) => sum + line.amount, 0),
    replacesReceiptNumber: '2027-000007',
  };
}

/** Renders, keeps the PDF and a PNG of page 1 in test/artifacts, and returns the text of every page. */
async function renderAndRead(name: string, input: ReceiptPdfInput): Promise<{ text: string; pdf: Buffer }> {
  const pdf = await renderReceiptPdf(input);
  const file = join(work, `${name}.pdf`);
  writeFileSync(file, pdf);
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, `${name}.pdf`), pdf);
  execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, join(artifacts, name)]);
  const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  return { text, pdf };
}

function pageCount(pdf: Buffer): number {
  return Number(execFileSync('pdfinfo', ['-'], { input: pdf, encoding: 'utf8' }).match(/^Pages:\s+(\d+)/m)?.[1] ?? 0);
}

describe('receipt PDF', () => {
  test('when a Japanese single receipt is rendered, then it reads as a 領収書 with name, total, number, issuer and note', async () => {
    const { text, pdf } = await renderAndRead('receipt-ja-single', singleReceipt());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(text).toMatch(/領\s*収\s*書/);
    expect(text).toContain('山田 太郎 様');
    expect(text).toContain('金 ￥5,000 也');
    expect(text).toContain('上記の金額を寄付金として正に受領いたしました。');
    expect(text).toContain('No. 2026-000123');
    expect(text).toContain('発行日 2026年11月22日');
    expect(text).toContain('2026年11月22日'); // the gift at 23:30 UTC is the next day in Japan
    expect(text).toContain('特定非営利活動法人WELgee');
    expect(text).toContain('代表理事 渡部 カンコロンゴ 清花');
    expect(text.replace(/\s+/g, '')).toContain(note);
    // Subset embedding keeps a receipt small although the font file is 5 MB.
    expect(pdf.length).toBeLessThan(60_000);
  });

  test('when an annual receipt has 30 lines and replaces another, then it spans pages with the header repeated and the reissue notice', async () => {
    const input = annualReceipt();
    const { text, pdf } = await renderAndRead('receipt-ja-annual', input);
    expect(pageCount(pdf)).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/合\s*計\s*領\s*収\s*書/);
    expect(text).toContain('この領収書は No. 2027-000007 を再発行したものです（No. 2027-000007 は無効）');
    expect(text).toContain('対象期間：2026年1月1日〜2026年12月31日');
    expect(text).toContain('グエン・ヴァン・アン（Nguyễn Văn An） 様');
    expect(text).toContain(`金 ￥${input.total.toLocaleString('en-US')} 也`);
    expect(text).toMatch(/^\s*2026年1月1日\s+緊急支援/m);
    expect(text).toMatch(/^\s*2026年12月31日\s+WELgee/m);
    expect(text).not.toContain('2025年');
    const pages = text.split('\f').filter((p) => p.trim() !== '');
    expect(pages.length).toBeGreaterThanOrEqual(2);
    for (const p of pages) expect(p).toMatch(/日付\s+内容\s+方法\s+金額/);
    expect(pages[1]).toMatch(/合\s*計\s*領\s*収\s*書 No\. 2027-000042 （続き）/);
    expect(pages[0]).toMatch(new RegExp(`1\\s*/\\s*${pages.length}`));
    expect(pages[1]).toMatch(new RegExp(`2\\s*/\\s*${pages.length}`));
    // The last gift, the total, the note and the issuer share the last page.
    expect(pages[pages.length - 1]).toMatch(/2026年12月31日[\s\S]*合計[\s\S]*認定NPO法人[\s\S]*発行者/);
    expect(text.match(/WELgeeファミリー 月額寄付/g)?.length).toBe(24);
    expect(text).toMatch(/合計\s+￥90,000/);
  });

  test('when a gift is made at 15:30 UTC on 31 December, then it is dated 1 January of the next year (Asia/Tokyo)', async () => {
    const { text } = await renderAndRead(
      'receipt-ja-new-year',
      singleReceipt({
        issuedOn: new Date('2026-12-31T15:05:00Z'),
        lines: [{ date: new Date('2026-12-31T15:30:00Z'), amount: 3000, description: '年末の寄付', method: 'クレジットカード' }],
        total: 3000,
      }),
    );
    expect(text).toContain('発行日 2027年1月1日');
    expect(text).toMatch(/2027年1月1日\s+年末の寄付/);
    expect(text).not.toContain('2026年12月31日');
  });

  test('when the recipient is an organisation, then the name is followed by 御中', async () => {
    const { text } = await renderAndRead(
      'receipt-ja-organisation',
      singleReceipt({
        recipient: { name: '株式会社サンプル商事', isOrganisation: true },
      }),
    );
    expect(text).toContain('株式会社サンプル商事 御中');
    expect(text).not.toContain('様');
  });

  test('when the locale is English, then the receipt reads in English', async () => {
    const { text } = await renderAndRead(
      'receipt-en-single',
      singleReceipt({
        locale: 'en',
        recipient: { name: 'Amina Yusuf' },
        issuer: { name: 'WELgee (specified non-profit corporation)', address: 'Minato-ku, Tokyo', representative: 'Sayaka Watanabe Kankolongo, Representative Director' },
        lines: [{ date: new Date('2026-12-31T15:30:00Z'), amount: 10000, description: 'WELgee Family monthly gift', method: 'Card' }],
        total: 10000,
        note: 'WELgee is a specified non-profit corporation, not a certified (認定) NPO, so this gift is not tax-deductible.',
      }),
    );
    expect(text).toContain('Receipt');
    expect(text).toContain('Receipt No. 2026-000123');
    expect(text).toContain('Issued 22 November 2026');
    expect(text).toContain('Amina Yusuf');
    expect(text).toContain('Amount: ¥10,000');
    expect(text).toContain('We gratefully acknowledge receipt of the above amount as a donation.');
    expect(text).toMatch(/Date\s+Description\s+Method\s+Amount/);
    expect(text).toContain('1 Jan 2027');
    expect(text).toContain('Issued by');
    expect(text).not.toMatch(/[様御中領収書]/);
  });

  test('when the issuer address is empty, then the issuer block has no blank line or label for it', async () => {
    const { text } = await renderAndRead('receipt-ja-no-address', singleReceipt({ issuer: { ...issuer, address: '' } }));
    const lines = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    const at = lines.indexOf('発行者');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3)).toEqual(['特定非営利活動法人WELgee', '代表理事 渡部 カンコロンゴ 清花']);
    expect(text).not.toMatch(/住所|所在地/);
  });

  test('when the name holds markup, emoji, control characters and is very long, then it renders as plain text and wraps', async () => {
    const name = '<script>alert("x")</script> 🌸 Doğan\tŠťastný ' + 'Wolfeschlegelsteinhausenbergerdorff'.repeat(3);
    const { text, pdf } = await renderAndRead('receipt-ja-odd-name', singleReceipt({ recipient: { name } }));
    expect(pdf.length).toBeGreaterThan(1000);
    expect(text).toContain('<script>alert("x")</script>');
    expect(text).toContain('Dogan');
    expect(text).toContain('Stastný');
    expect(text).not.toContain('🌸');
    expect(text).toMatch(/ 様/);
    // Wrapped within the name column: no printed line is wider than the page.
    for (const line of text.split('\n')) expect(line.length).toBeLessThan(140);
  });
});
