// CSV cells as spreadsheets and accounting software read them (RFC 4180, CRLF line ends).

/** A cell: text is neutralised against formulas; numbers are written as they are. */
export type CsvValue = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One text cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading ',
 * then it is quoted when it holds a comma, quote or line break.
 */
export function csvText(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One cell: numbers (a refund's -1000) cannot be formulas and stay numbers. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'number' ? String(value) : csvText(value);
}

/** One line of cells, without its line end. */
export function csvLine(cells: readonly CsvValue[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) line += (i ? ',' : '') + csvCell(cells[i]);
  return line;
}
