// The parts of a receipt page on A4, drawn top to bottom; `ctx.y` is the cursor.
import type { ReceiptPdfInput } from './receipt-pdf';
import type { ReceiptTypeface } from './receipt-pdf-font';
import { formatAmount, formatIssueDate, type ReceiptWords } from './receipt-pdf-text';

/** A4 in points, with the area the content may use; the footer sits below `bottom`. */
export const page = {
  size: 'A4',
  margins: { top: 40, bottom: 20, left: 56, right: 56 },
  left: 56,
  right: 595.28 - 56,
  width: 595.28 - 112,
  top: 48,
  bottom: 786,
  footerY: 800,
} as const;

export const ink = { text: '#111827', muted: '#4b5563', rule: '#9ca3af', hairline: '#d1d5db', fill: '#f3f4f6', alert: '#b91c1c' };

/** What every part of the page is drawn with. */
export interface ReceiptCtx {
  doc: PDFKit.PDFDocument;
  face: ReceiptTypeface;
  words: ReceiptWords;
  input: ReceiptPdfInput;
  title: string;
  y: number;
}

interface WriteOptions {
  size: number;
  bold?: boolean;
  width?: number;
  align?: 'left' | 'center' | 'right';
  color?: string;
  characterSpacing?: number;
}

/** Sets the font and size that the next measurement or drawing uses. */
export function useFont(ctx: ReceiptCtx, size: number, bold = false): PDFKit.PDFDocument {
  return ctx.doc.font(bold ? 'bold' : 'regular').fontSize(size);
}

/** Draws text (wrapping within `width`) at x, y and returns the height it took. */
export function write(ctx: ReceiptCtx, text: string, x: number, y: number, options: WriteOptions): number {
  if (text === '') return 0;
  const { size, bold, color = ink.text, ...layout } = options;
  useFont(ctx, size, bold)
    .fillColor(color)
    .text(text, x, y, { lineGap: size * 0.15, ...layout });
  return ctx.doc.y - y;
}

/** The height `text` would take at this size and width. */
export function measure(ctx: ReceiptCtx, text: string, width: number, size: number, bold = false): number {
  if (text === '') return 0;
  return useFont(ctx, size, bold).heightOfString(text, { width, lineGap: size * 0.15 });
}

/** Starts a new page when `height` does not fit below the cursor; returns whether it did. */
export function ensureSpace(ctx: ReceiptCtx, height: number): boolean {
  if (ctx.y + height <= page.bottom) return false;
  ctx.doc.addPage();
  const heading = `${ctx.title} ${ctx.words.receiptNo} ${ctx.face.printable(ctx.input.receiptNumber)} ${ctx.words.continued}`;
  ctx.y = page.top + write(ctx, heading, page.left, page.top, { size: 9.5, color: ink.muted, width: page.width }) + 14;
  return true;
}

/** Receipt number and issue date, top right. */
export function drawNumberAndDate(ctx: ReceiptCtx): void {
  const { input, words, face } = ctx;
  const right = { size: 10, width: page.width, align: 'right' as const };
  let y = page.top;
  y += write(ctx, `${words.receiptNo} ${face.printable(input.receiptNumber)}`, page.left, y, right);
  y += write(ctx, `${words.issuedOn} ${formatIssueDate(input.issuedOn, input.locale)}`, page.left, y, right);
  ctx.y = y + 14;
}

/** The centred title, then the period of an annual receipt and the reissue notice. */
export function drawTitle(ctx: ReceiptCtx): void {
  const { input, words, face } = ctx;
  const spacing = input.locale === 'ja' ? 12 : 1;
  // pdfkit counts the spacing after the last character too; shift by half of it to stay centred.
  ctx.y +=
    write(ctx, ctx.title, page.left + spacing / 2, ctx.y, {
      size: 24,
      bold: true,
      width: page.width,
      align: 'center',
      characterSpacing: spacing,
    }) + 6;
  const centred = { width: page.width, align: 'center' as const };
  if (input.kind === 'annual' && input.year !== undefined) {
    ctx.y += write(ctx, words.period(input.year), page.left, ctx.y, { size: 10.5, ...centred }) + 2;
  }
  if (input.replacesReceiptNumber !== undefined && input.replacesReceiptNumber.trim() !== '') {
    const notice = words.reissue(face.printable(input.replacesReceiptNumber));
    ctx.y += write(ctx, notice, page.left, ctx.y, { size: 10, bold: true, color: ink.alert, ...centred }) + 2;
  }
  ctx.y += 18;
}

/** The recipient's address (if any) and name with 様 or 御中, over a rule. */
export function drawRecipient(ctx: ReceiptCtx): void {
  const { input, words, face } = ctx;
  const width = 330;
  const small = { size: 9.5, color: ink.muted, width };
  ctx.y += write(ctx, words.receivedFrom, page.left, ctx.y, small);
  ctx.y += write(ctx, face.printable(input.recipient.address ?? ''), page.left, ctx.y, small);
  const honorific = input.recipient.isOrganisation ? words.organisation : words.person;
  // A no-break space keeps 様/御中 on the line of the name's last word.
  const name = face.printable(input.recipient.name) + (honorific ? `\u00a0${honorific}` : '');
  ctx.y += write(ctx, name, page.left, ctx.y + 2, { size: 15, bold: true, width }) + 4;
  ctx.doc
    .moveTo(page.left, ctx.y)
    .lineTo(page.left + width, ctx.y)
    .lineWidth(1)
    .strokeColor(ink.text)
    .stroke();
  ctx.y += 22;
}

/** The total, large and boxed ("金 ￥5,000 也"), and the words of acknowledgement under it. */
export function drawAmount(ctx: ReceiptCtx): void {
  const { input, words } = ctx;
  const text = words.amount(formatAmount(input.total, input.locale));
  const size = 22;
  const width = Math.max(300, useFont(ctx, size, true).widthOfString(text) + 48);
  const height = ctx.doc.currentLineHeight() + 22;
  const x = page.left + (page.width - width) / 2;
  ctx.doc.rect(x, ctx.y, width, height).lineWidth(0.8).fillAndStroke(ink.fill, ink.text);
  write(ctx, text, x, ctx.y + 11, { size, bold: true, width, align: 'center' });
  ctx.y += height + 12;
  ctx.y += write(ctx, words.acknowledgement, page.left, ctx.y, { size: 10.5, width: page.width, align: 'center' }) + 22;
}

/** The note under the table (e.g. that the gift is not tax-deductible). */
export function drawNote(ctx: ReceiptCtx): void {
  const note = ctx.face.printable(ctx.input.note);
  if (note === '') return;
  ensureSpace(ctx, noteHeight(ctx));
  ctx.y += write(ctx, note, page.left, ctx.y, { size: 9, color: ink.muted, width: page.width }) + NOTE_GAP;
}

/** The issuer (name, address when set, representative), bottom right, never split across pages. */
export function drawIssuer(ctx: ReceiptCtx): void {
  // With a seal, the text moves left so that the seal sits beside it and covers none of it.
  const x = page.right - ISSUER_WIDTH - (ctx.input.issuer.seal ? SEAL_SIZE + SEAL_GAP : 0);
  ctx.y += ISSUER_GAP;
  ensureSpace(ctx, issuerHeight(ctx) - ISSUER_GAP);
  const top = ctx.y;
  for (const { text, ...style } of issuerRows(ctx)) ctx.y += write(ctx, text, x, ctx.y, { ...style, width: ISSUER_WIDTH }) + 2;
  drawSeal(ctx, top);
}

const SEAL_SIZE = 64;
const SEAL_GAP = 8;

/** The seal (角印) to the right of the issuer's name, as Japanese receipts place it; skipped if unreadable. */
function drawSeal(ctx: ReceiptCtx, top: number): void {
  const { seal } = ctx.input.issuer;
  if (!seal) return;
  try {
    ctx.doc.image(seal, page.right - SEAL_SIZE, top, { fit: [SEAL_SIZE, SEAL_SIZE], align: 'center', valign: 'center' });
  } catch {
    // Checked on upload; a receipt is still worth more without the seal than not at all.
  }
  ctx.y = Math.max(ctx.y, top + SEAL_SIZE);
}

/** The height of what follows the table (note and issuer), kept on the page of the table's last row. */
export function tailHeight(ctx: ReceiptCtx): number {
  return noteHeight(ctx) + issuerHeight(ctx);
}

const NOTE_GAP = 8;
const ISSUER_GAP = 24;
const ISSUER_WIDTH = 250;

function noteHeight(ctx: ReceiptCtx): number {
  const note = ctx.face.printable(ctx.input.note);
  return note === '' ? 0 : measure(ctx, note, page.width, 9) + NOTE_GAP;
}

function issuerRows(ctx: ReceiptCtx): { text: string; size: number; bold?: boolean; color?: string }[] {
  const { issuer } = ctx.input;
  return [
    { text: ctx.words.issuer, size: 8.5, color: ink.muted },
    { text: ctx.face.printable(issuer.name), size: 11.5, bold: true },
    { text: ctx.face.printable(issuer.address), size: 9.5 },
    { text: ctx.face.printable(issuer.contact ?? ''), size: 9.5 },
    { text: ctx.face.printable(issuer.representative), size: 9.5 },
  ].filter((row) => row.text !== '');
}

function issuerHeight(ctx: ReceiptCtx): number {
  const rows = issuerRows(ctx);
  const text = rows.reduce((sum, row) => sum + measure(ctx, row.text, ISSUER_WIDTH, row.size, row.bold) + 2, 0);
  return ISSUER_GAP + (ctx.input.issuer.seal ? Math.max(text, SEAL_SIZE) : text);
}

/** Page numbers at the foot of every page, when there is more than one. */
export function drawPageNumbers(ctx: ReceiptCtx): void {
  const { start, count } = ctx.doc.bufferedPageRange();
  if (count < 2) return;
  for (let i = 0; i < count; i++) {
    ctx.doc.switchToPage(start + i);
    write(ctx, ctx.words.page(i + 1, count), page.left, page.footerY, { size: 8.5, color: ink.muted, width: page.width, align: 'center' });
  }
}
