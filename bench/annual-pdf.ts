// Annual receipt PDFs per second: ours (Japanese text, embedded Noto Sans JP subset) against the same
// documents drawn with pdfkit's built-in Helvetica and Latin-only text, measured in the same run.
// Usage: npx tsx bench/annual-pdf.ts [N=500]
import { performance } from 'node:perf_hooks';
import { loadNotoSansJp, standardTypeface, type ReceiptTypeface } from '../src/features/giving/receipt-pdf-font';
import { renderReceiptWith, type ReceiptPdfInput } from '../src/features/giving/receipt-pdf';

const count = Number(process.argv[2] ?? 500);
if (!Number.isInteger(count) || count < 1) throw new Error(`N must be a positive integer, got ${process.argv[2]}`);
const TARGET = 50;

const japanese = { names: ['山田 太郎', '佐藤 花子', 'グエン・ヴァン・アン', '鈴木 一郎'], description: 'WELgeeファミリー 月額寄付', method: 'クレジットカード' };
const latin = { names: ['Taro Yamada', 'Hanako Sato', 'Nguyen Van An', 'Ichiro Suzuki'], description: 'WELgee Family monthly gift', method: 'Credit card' };

/** One annual receipt with 12 monthly gifts, in Japanese or in Latin-only English. */
function annualInput(i: number, isJapanese: boolean): ReceiptPdfInput {
  const text = isJapanese ? japanese : latin;
  const amount = [1000, 5000, 10000][i % 3] ?? 1000;
  const lines = Array.from({ length: 12 }, (_, month) => ({
    date: new Date(Date.UTC(2026, month, 1 + (i % 27), 1)),
    amount,
    description: text.description,
    method: text.method,
  }));
  return {
    locale: isJapanese ? 'ja' : 'en',
    kind: 'annual',
    receiptNumber: `2027-${String(i + 1).padStart(6, '0')}`,
    issuedOn: new Date('2027-01-15T00:00:00Z'),
    year: 2026,
    recipient: { name: `${text.names[i % text.names.length]} ${i}`, address: isJapanese ? '東京都港区芝浦1-2-3' : 'Minato-ku, Tokyo' },
    issuer: isJapanese
      ? { name: '特定非営利活動法人WELgee', address: '東京都港区', representative: '代表理事 渡部 カンコロンゴ 清花' }
      : { name: 'WELgee (specified non-profit corporation)', address: 'Minato-ku, Tokyo', representative: 'Sayaka Watanabe Kankolongo, Representative Director' },
    lines,
    total: amount * 12,
    note: isJapanese
      ? '特定非営利活動法人WELgeeは認定NPO法人ではないため、このご寄付は寄付金控除の対象になりません。'
      : 'WELgee is a specified non-profit corporation, not a certified NPO, so this gift is not tax-deductible.',
  };
}

interface Result {
  perSecond: number;
  msEach: number;
  averageBytes: number;
}

interface Side {
  face: ReceiptTypeface;
  inputs: ReceiptPdfInput[];
  ms: number;
  bytes: number;
}

function side(face: ReceiptTypeface, isJapanese: boolean): Side {
  return { face, inputs: Array.from({ length: count }, (_, i) => annualInput(i, isJapanese)), ms: 0, bytes: 0 };
}

async function renderRange(s: Side, from: number, to: number): Promise<void> {
  const started = performance.now();
  for (let i = from; i < to; i++) s.bytes += (await renderReceiptWith(s.inputs[i] as ReceiptPdfInput, s.face)).length;
  s.ms += performance.now() - started;
}

function result(s: Side): Result {
  return { perSecond: count / (s.ms / 1000), msEach: s.ms / count, averageBytes: s.bytes / count };
}

function show(label: string, r: Result): void {
  const kb = (r.averageBytes / 1024).toFixed(1);
  console.log(`${label.padEnd(9)} ${r.perSecond.toFixed(1).padStart(7)} PDFs/s  ${r.msEach.toFixed(2).padStart(6)} ms each  ${kb} KB each`);
}

async function main(): Promise<void> {
  console.log(`annual-pdf: N=${count} annual receipts with 12 lines each, one after another on one thread (Node ${process.version})`);
  const coldStarted = performance.now();
  await renderReceiptWith(annualInput(0, true), loadNotoSansJp());
  console.log(`first receipt of the process (font read + parse + render): ${(performance.now() - coldStarted).toFixed(1)} ms`);
  const ours = side(loadNotoSansJp(), true);
  const baseline = side(standardTypeface(), false);
  for (const s of [ours, baseline]) {
    for (let i = 0; i < Math.min(20, count); i++) await renderReceiptWith(s.inputs[i] as ReceiptPdfInput, s.face);
    s.ms = 0;
    s.bytes = 0;
  }
  // Alternate in rounds so that a change in machine load affects both sides alike.
  const rounds = Math.min(10, count);
  for (let round = 0; round < rounds; round++) {
    const from = Math.floor((round * count) / rounds);
    const to = Math.floor(((round + 1) * count) / rounds);
    await renderRange(ours, from, to);
    await renderRange(baseline, from, to);
  }
  show('ours', result(ours));
  show('baseline', result(baseline));
  const perSecond = result(ours).perSecond;
  const ratio = perSecond / result(baseline).perSecond;
  console.log(`ratio = ours / baseline = ${ratio.toFixed(2)}  (target: ours >= ${TARGET} PDFs/s: ${perSecond >= TARGET ? 'met' : 'NOT met'})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
