// Reading a bank statement CSV: encoding, RFC 4180 records (csv-parse), the columns Japanese banks use, and
// one problem per malformed line. Pure functions: nothing here touches the database.

import { CsvError, parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { hasControlCharacters } from '../../lib/text';
import { checkGiftDay, MAX_OFFLINE_GIFT, normalizePayer, parseDay, parseYen } from './gift-values';

export const MAX_STATEMENT_BYTES = 1024 * 1024;
export const MAX_STATEMENT_LINES = 5000;
/** Lines above the header (account number, period…) that banks print and we skip. */
const MAX_PREAMBLE_ROWS = 10;
const MAX_PAYER_TEXT = 100;

/** Header names accepted for each column, in order of preference (compared after NFKC, without spaces). */
export const STATEMENT_COLUMNS = {
  date: ['入金日', '振込日', '取引日', '日付', '年月日', '取扱日', 'お取引日', '勘定日', 'date'],
  amount: ['入金額', 'お預り金額', 'お預かり金額', 'お預入金額', 'お預入れ金額', '預入金額', '入金金額', '振込金額', '金額', 'amount'],
  payer: ['振込依頼人名', '依頼人名', '振込依頼人', '振込人名', '依頼人', '振込名義', '摘要', '取引内容', 'お取引内容', '内容', 'payer', 'name'],
  withdrawal: ['出金額', 'お引出金額', 'お引出し金額', '引出金額', 'お支払金額', '支払金額', '出金金額'],
  kind: ['入出金区分', '取引区分', '区分'],
} as const;

export type Encoding = 'utf-8' | 'cp932';

export interface CsvRecord {
  /** The file line the record starts on (1-based; a quoted newline makes a record span lines). */
  lineNo: number;
  fields: string[];
}

export type ProblemCode = 'quote' | 'columns' | 'date' | 'dateFuture' | 'dateOld' | 'amount' | 'amountRange' | 'payer';

export interface LineProblem {
  lineNo: number;
  problem: ProblemCode;
}

export interface StatementLine {
  lineNo: number;
  receivedOn: string;
  amount: number;
  payerName: string;
}

export type StatementResult =
  | { ok: true; encoding: Encoding; lines: StatementLine[]; ignored: number }
  | { ok: false; reason: 'binary' | 'noHeader' | 'noLines' | 'tooManyLines' | 'lines'; problems: LineProblem[] };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of the file: valid UTF-8 (BOM or not) is UTF-8, anything else is read as CP932. Undefined for binary data. */
export function decodeStatement(bytes: Buffer): { text: string; encoding: Encoding } | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return { text: utf8.decode(bytes).replace(/^\uFEFF/, ''), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(bytes, 'cp932'), encoding: 'cp932' };
  }
}

const breaks = (value: string) => (value.match(/\r\n|\r|\n/g) ?? []).length;

/**
 * Splits CSV text into records with csv-parse (RFC 4180: quoted fields may hold commas, newlines and
 * "" quotes; CRLF, LF or CR end a record). A quote left open, a quote inside an unquoted field, or text
 * after a closing quote is a problem of the line the record starts on; after a broken closing quote
 * csv-parse cannot find the next record, so the rest of the file is not read (it is refused anyway).
 * Empty lines are dropped.
 */
export function parseCsv(text: string): { records: CsvRecord[]; problems: LineProblem[] } {
  const records: CsvRecord[] = [];
  const problems: LineProblem[] = [];
  const physical = text.split(/\r\n|\r|\n/);
  let lastEnd = 0;
  let stopped = false;
  // csv-parse 7.0.3 counts a CRLF inside a quoted field as two lines in info.lines: take them off again.
  let doubleCounted = 0;
  const nextStart = () => {
    let line = lastEnd + 1;
    while (line < physical.length && physical[line - 1] === '') line++;
    return line;
  };
  parse(text, {
    relax_column_count: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined) => {
      if (stopped || !err) return;
      problems.push({ lineNo: nextStart(), problem: 'quote' });
      if (err.code === 'INVALID_OPENING_QUOTE') lastEnd = Number(err.lines) - doubleCounted;
      else stopped = true;
    },
    // The context is csv-parse's info (as with `info: true`): lines is the line the record ends on.
    on_record: (record, info) => {
      if (stopped) return null;
      doubleCounted += record.reduce((n, field) => n + (field.match(/\r\n/g) ?? []).length, 0);
      const end = info.lines - doubleCounted;
      records.push({ lineNo: end - record.reduce((n, field) => n + breaks(field), 0), fields: record });
      lastEnd = end;
      return null;
    },
  });
  return { records, problems };
}

const headerKey = (value: string) =>
  value
    .normalize('NFKC')
    .replace(/\(.*?\)/g, '')
    .replace(/\s/g, '')
    .toLowerCase();

type Columns = { date: number; amount: number; payer: number; withdrawal: number; kind: number };

/** The position of each known column in a header row (-1 when absent). */
function findColumns(header: string[]): Columns | undefined {
  const keys = header.map(headerKey);
  const pick = (names: readonly string[]) => {
    for (const name of names) {
      const at = keys.indexOf(name.toLowerCase());
      if (at >= 0) return at;
    }
    return -1;
  };
  const columns = {
    date: pick(STATEMENT_COLUMNS.date),
    amount: pick(STATEMENT_COLUMNS.amount),
    payer: pick(STATEMENT_COLUMNS.payer),
    withdrawal: pick(STATEMENT_COLUMNS.withdrawal),
    kind: pick(STATEMENT_COLUMNS.kind),
  };
  return columns.date >= 0 && columns.amount >= 0 && columns.payer >= 0 ? columns : undefined;
}

/** Reads one data record: a line, 'ignored' (a withdrawal or a zero amount), or the problem. */
function readRecord(record: CsvRecord, width: number, columns: Columns, today: string): StatementLine | 'ignored' | ProblemCode {
  const { fields } = record;
  if (fields.length !== width) return 'columns';
  const cell = (at: number) => (at >= 0 ? fields[at]!.trim() : '');
  if (/出金|支払|引出/.test(cell(columns.kind))) return 'ignored';
  const rawAmount = cell(columns.amount);
  if (rawAmount === '' && cell(columns.withdrawal) !== '') return 'ignored';

  const receivedOn = parseDay(cell(columns.date));
  if (!receivedOn) return 'date';
  const range = checkGiftDay(receivedOn, today);
  if (range) return range === 'future' ? 'dateFuture' : 'dateOld';

  // Banks mark negative amounts with - or ▲/△: they are not gifts.
  const unsigned = rawAmount.normalize('NFKC').replace(/^[-−▲△]\s*/, '');
  if (unsigned !== rawAmount.normalize('NFKC') && parseYen(unsigned) !== undefined) return 'ignored';
  const amount = parseYen(rawAmount);
  if (amount === undefined) return 'amount';
  if (amount === 0) return 'ignored';
  if (amount > MAX_OFFLINE_GIFT) return 'amountRange';

  const payer = cell(columns.payer);
  if (!payer || hasControlCharacters(payer) || payer.length > MAX_PAYER_TEXT) return 'payer';
  return { lineNo: record.lineNo, receivedOn, amount, payerName: normalizePayer(payer) };
}

/**
 * Reads a statement file into deposit lines. Every malformed line is reported (with its line
 * number); a file with any problem yields no lines at all.
 */
export function readStatement(bytes: Buffer, today: string): StatementResult {
  const decoded = decodeStatement(bytes);
  if (!decoded) return { ok: false, reason: 'binary', problems: [] };
  const { records, problems } = parseCsv(decoded.text);

  const headerAt = records.slice(0, MAX_PREAMBLE_ROWS).findIndex((r) => findColumns(r.fields));
  if (headerAt < 0) return { ok: false, reason: 'noHeader', problems: [] };
  const header = records[headerAt]!;
  const columns = findColumns(header.fields)!;
  const data = records.slice(headerAt + 1);
  if (data.length > MAX_STATEMENT_LINES) return { ok: false, reason: 'tooManyLines', problems: [] };

  const lines: StatementLine[] = [];
  let ignored = 0;
  const all = problems.filter((p) => p.lineNo > header.lineNo);
  for (const record of data) {
    const read = readRecord(record, header.fields.length, columns, today);
    if (read === 'ignored') ignored++;
    else if (typeof read === 'string') all.push({ lineNo: record.lineNo, problem: read });
    else lines.push(read);
  }
  if (all.length > 0) return { ok: false, reason: 'lines', problems: all.sort((a, b) => a.lineNo - b.lineNo) };
  if (lines.length === 0) return { ok: false, reason: 'noLines', problems: [] };
  return { ok: true, encoding: decoded.encoding, lines, ignored };
}

/**
 * date|amount|payer|occurrence for each line: the same transfer in an overlapping statement gets
 * the same fingerprint, and two equal transfers on one day stay two (…|1 and …|2).
 */
export function fingerprintLines<T extends { receivedOn: string; amount: number; payerName: string }>(lines: T[]): (T & { fingerprint: string })[] {
  const seen = new Map<string, number>();
  return lines.map((l) => {
    const base = `${l.receivedOn}|${l.amount}|${l.payerName.replace(/\s/g, '')}`;
    const occurrence = (seen.get(base) ?? 0) + 1;
    seen.set(base, occurrence);
    return { ...l, fingerprint: `${base}|${occurrence}` };
  });
}
