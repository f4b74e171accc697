// PDF receipts (領収書) for one gift, and the annual combined receipt (合計領収書) for a calendar year.
// Japanese text is drawn with an embedded subset of Noto Sans JP; every string from the input is plain text.
import PDFDocument from 'pdfkit';
import { loadNotoSansJp, type ReceiptTypeface } from './receipt-pdf-font';
import { drawAmount, drawIssuer, drawNote, drawNumberAndDate, drawPageNumbers, drawRecipient, drawTitle, page, type ReceiptCtx } from './receipt-pdf-layout';
import { drawLinesTable } from './receipt-pdf-table';
import { receiptWords } from './receipt-pdf-text';

export interface ReceiptPdfInput {
  locale: 'ja' | 'en';
  /** 領収書 / 合計領収書 (Receipt / Annual combined receipt). */
  kind: 'single' | 'annual';
  /** e.g. "2026-000123" (unique per year). */
  receiptNumber: string;
  /** Shown as a date in Asia/Tokyo. */
  issuedOn: Date;
  /** For 'annual': the calendar year covered (January–December). */
  year?: number;
  /** "様" follows a person's name in Japanese, "御中" an organisation's. */
  recipient: { name: string; address?: string; isOrganisation?: boolean };
  /** From settings; an empty address or contact is left out; the seal (角印, PNG or JPEG) is printed over the name. */
  issuer: { name: string; address: string; representative: string; contact?: string; seal?: Buffer };
  /** One for a single receipt; every gift of the year for the annual one. */
  lines: { date: Date; amount: number; description: string; method: string }[];
  /** Integer yen. */
  total: number;
  /** e.g. that the gift is not tax-deductible. */
  note: string;
  /** Set on a reissue: the number of the receipt this one replaces (and voids). */
  replacesReceiptNumber?: string;
}

/** Renders a single or annual receipt as an A4 PDF with the Japanese font embedded. */
export async function renderReceiptPdf(input: ReceiptPdfInput): Promise<Buffer> {
  return renderReceiptWith(input, loadNotoSansJp());
}

/** Renders a receipt with the given typeface (the embedded one, or a standard font for Latin-only text). */
export async function renderReceiptWith(input: ReceiptPdfInput, face: ReceiptTypeface): Promise<Buffer> {
  const words = receiptWords(input.locale);
  const title = words.title[input.kind];
  const doc = new PDFDocument({
    size: page.size,
    margins: page.margins,
    bufferPages: true,
    // No default Helvetica: it would be loaded for every document and never used, and pdfkit then
    // fails to cache a Helvetica alias (as the benchmark baseline uses), re-reading its metrics per call.
    font: '',
    lang: input.locale === 'ja' ? 'ja-JP' : 'en-GB',
    info: {
      Title: `${title} ${words.receiptNo} ${input.receiptNumber}`,
      Author: input.issuer.name,
      Creator: 'WELgee Family',
    },
  });
  const done = collect(doc);
  // pdfkit takes a parsed font object as a source; its typings only list files and buffers.
  doc.registerFont('regular', face.regular as PDFKit.Mixins.PDFFontSource, 'regular');
  doc.registerFont('bold', face.bold as PDFKit.Mixins.PDFFontSource, 'bold');
  const ctx: ReceiptCtx = { doc, face, words, input, title, y: page.top };
  drawNumberAndDate(ctx);
  drawTitle(ctx);
  drawRecipient(ctx);
  drawAmount(ctx);
  drawLinesTable(ctx);
  drawNote(ctx);
  drawIssuer(ctx);
  drawPageNumbers(ctx);
  doc.end();
  return done;
}

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}
