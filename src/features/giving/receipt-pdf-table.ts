// The table of gifts (date, description, method, amount) with its total; the header is repeated on
// every page the table runs onto.
import { ensureSpace, ink, page, tailHeight, useFont, write, type ReceiptCtx } from './receipt-pdf-layout';
import { formatAmount, formatLineDate } from './receipt-pdf-text';

type ColumnKey = 'date' | 'description' | 'method' | 'amount';

interface Column {
  key: ColumnKey;
  x: number;
  width: number;
  align: 'left' | 'right';
}

const PAD_X = 6;
const PAD_Y = 4;
const SIZE = 9.5;
const GAP_AFTER = 14;
const widths: Record<ColumnKey, number> = { date: 96, description: 0, method: 100, amount: 84 };
widths.description = page.width - widths.date - widths.method - widths.amount;

const columns: Column[] = (['date', 'description', 'method', 'amount'] as const).reduce<Column[]>((list, key) => {
  const previous = list[list.length - 1];
  const x = previous ? previous.x + previous.width : page.left;
  return [...list, { key, x, width: widths[key], align: key === 'amount' ? 'right' : 'left' }];
}, []);

type Row = Record<ColumnKey, string>;

/** Draws every line of the receipt and the total under them, breaking pages between rows. */
export function drawLinesTable(ctx: ReceiptCtx): void {
  const { input, face } = ctx;
  const rows: Row[] = input.lines.map((line) => ({
    date: formatLineDate(line.date, input.locale),
    description: face.printable(line.description),
    method: face.printable(line.method),
    amount: formatAmount(line.amount, input.locale),
  }));
  const total: Row = { date: '', description: '', method: ctx.words.total, amount: formatAmount(input.total, input.locale) };
  const headerHeight = rowHeight(ctx, ctx.words.columns, true);
  const totalHeight = rowHeight(ctx, total, true);
  // The last row keeps the total, the note and the issuer, so no page holds only those.
  const after = totalHeight + GAP_AFTER + tailHeight(ctx);
  const heights = rows.map((row) => rowHeight(ctx, row, false));
  // Keep the header with at least one row: a header alone at the foot of a page helps nobody.
  ensureSpace(ctx, headerHeight + (heights[0] ?? 0) + (rows.length <= 1 ? after : 0));
  drawHeader(ctx, headerHeight);
  rows.forEach((row, i) => {
    const height = heights[i] ?? 0;
    if (ensureSpace(ctx, height + (i === rows.length - 1 ? after : 0))) drawHeader(ctx, headerHeight);
    drawRow(ctx, row, height, false);
  });
  if (ensureSpace(ctx, totalHeight)) drawHeader(ctx, headerHeight);
  ctx.doc.moveTo(page.left, ctx.y).lineTo(page.right, ctx.y).lineWidth(1).strokeColor(ink.text).stroke();
  drawRow(ctx, total, totalHeight, true);
  ctx.y += GAP_AFTER;
}

function drawHeader(ctx: ReceiptCtx, height: number): void {
  ctx.doc.rect(page.left, ctx.y, page.width, height).fill(ink.fill);
  drawRow(ctx, ctx.words.columns, height, true);
}

function drawRow(ctx: ReceiptCtx, row: Row, height: number, bold: boolean): void {
  for (const column of columns) {
    write(ctx, row[column.key], column.x + PAD_X, ctx.y + PAD_Y, {
      size: SIZE,
      bold,
      width: column.width - 2 * PAD_X,
      align: column.align,
    });
  }
  ctx.y += height;
  ctx.doc.moveTo(page.left, ctx.y).lineTo(page.right, ctx.y).lineWidth(0.5).strokeColor(ink.hairline).stroke();
}

// Most cells fit on one line; only those wider than their column are measured for wrapping.
function rowHeight(ctx: ReceiptCtx, row: Row, bold: boolean): number {
  const doc = useFont(ctx, SIZE, bold);
  const lineHeight = doc.currentLineHeight() + SIZE * 0.15;
  let height = lineHeight;
  for (const column of columns) {
    const text = row[column.key];
    const inner = column.width - 2 * PAD_X;
    if (text !== '' && doc.widthOfString(text) > inner) {
      height = Math.max(height, doc.heightOfString(text, { width: inner, lineGap: SIZE * 0.15 }));
    }
  }
  return height + 2 * PAD_Y;
}
