// CSV cells as spreadsheets and accounting software read them (RFC 4180, CRLF line ends).

/** A cell: text is neutralised against formulas; numbers are written as they are. */
export type CsvValue = string | number | null | undefined;

/**
 * A cell's text as the file will hold it (an encoding's replacements, e.g. CP932 writes ﹦ as =). It runs
 * before the formula guard and the quoting, so both judge the final characters.
 */
export type CellFit = (text: string) => string;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One text cell a spreadsheet will not run: the text is fitted to the file's encoding first, then text
 * starting with = + - @ tab or CR gets a leading ', then it is quoted when it holds a comma, quote or line break.
 */
export function csvText(value: string, fit?: CellFit): string {
  const final = fit ? fit(value) : value;
  const text = FORMULA_START.test(final) ? `'${final}` : final;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One cell: numbers (a refund's -1000) cannot be formulas and stay numbers. */
export function csvCell(value: CsvValue, fit?: CellFit): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'number' ? String(value) : csvText(value, fit);
}

/** One line of cells, without its line end; `fit` turns each text cell into the file's final characters. */
export function csvLine(cells: readonly CsvValue[], fit?: CellFit): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) line += (i ? ',' : '') + csvCell(cells[i], fit);
  return line;
}
