import type { Writable } from 'node:stream';
import type { AccountingSettings } from '../../../config/organisation';
import type { Db } from '../../db/client';
import type { ReplacedCharacter } from '../../db/schema';
import { csvLine, type CsvValue } from '../../lib/csv';
import type { Locale } from '../../lib/i18n';
import { ExportEncoder, type Encoding } from './encoding';
import type { DonationsExportQuery, Format } from './exports.schemas';
import { freeeHeader, freeeLines } from './formats/freee';
import { moneyforwardHeader, moneyforwardLines } from './formats/moneyforward';
import { standardHeader, standardLabels, standardLines } from './formats/standard';
import { yayoiLines } from './formats/yayoi';
import { ledgerExportPages, type LedgerRow } from './ledger-rows';

/** Thrown when the reader went away (a cancelled download): the run is recorded as aborted. */
export class ExportAborted extends Error {}

export interface ExportResult {
  /** Ledger rows read. */
  rows: number;
  /** Lines written (without the header); accounting formats write a second line for a Stripe fee. */
  lines: number;
  replacements: ReplacedCharacter[];
}

interface Shape {
  header: string[] | null;
  lines(row: LedgerRow): CsvValue[][];
}

/** The header and the line maker of a format. */
export function shapeOf(format: Format, accounting: AccountingSettings, lang: Locale): Shape {
  switch (format) {
    case 'standard': {
      const label = standardLabels(lang);
      return { header: standardHeader(lang), lines: (row) => standardLines(row, label) };
    }
    case 'freee':
      return { header: freeeHeader, lines: (row) => freeeLines(row, accounting) };
    case 'moneyforward': {
      let number = 0;
      return { header: moneyforwardHeader, lines: (row) => moneyforwardLines(row, accounting, () => ++number) };
    }
    case 'yayoi':
      return { header: null, lines: (row) => yayoiLines(row, accounting) };
  }
}

/** Writes a chunk and waits while the reader is behind; throws ExportAborted when it went away. */
export async function writeChunk(out: Writable, chunk: Buffer): Promise<void> {
  if (out.destroyed || out.writableEnded) throw new ExportAborted('the reader went away');
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const drained = () => {
      out.off('close', closed);
      resolve();
    };
    const closed = () => {
      out.off('drain', drained);
      reject(new ExportAborted('the reader went away'));
    };
    out.once('drain', drained);
    out.once('close', closed);
  });
}

/**
 * Writes a donations export to `out` a page of ledger rows at a time, waiting for the reader between
 * pages, so memory does not grow with the range. Does not end `out`.
 */
export async function writeDonationsExport(
  db: Db,
  accounting: AccountingSettings,
  query: DonationsExportQuery & { lang: Locale; encoding: Encoding },
  out: Writable,
): Promise<ExportResult> {
  const encoder = new ExportEncoder(query.encoding);
  const shape = shapeOf(query.format, accounting, query.lang);
  const head = shape.header ? encoder.line(shape.header, () => 'header') + '\r\n' : '';
  await writeChunk(out, Buffer.concat([encoder.preamble(), encoder.encode(head)]));
  const pages = ledgerExportPages(db, query);
  const counts = query.encoding === 'utf8' ? await writeUtf8Pages(pages, shape, out) : await writeFittedPages(pages, shape, encoder, out);
  return { ...counts, replacements: encoder.report() };
}

type Pages = AsyncGenerator<LedgerRow[]>;

/** UTF-8 holds every character: lines go straight into one reused page buffer. */
async function writeUtf8Pages(pages: Pages, shape: Shape, out: Writable): Promise<{ rows: number; lines: number }> {
  let buffer: Buffer = Buffer.allocUnsafe(1 << 20);
  let rows = 0;
  let lines = 0;
  for await (const page of pages) {
    let used = 0;
    for (const row of page) {
      for (const cells of shape.lines(row)) {
        const line = `${csvLine(cells)}\r\n`;
        // A UTF-16 code unit is at most 3 bytes of UTF-8.
        if (used + line.length * 3 > buffer.length) buffer = grown(buffer, used, used + line.length * 3);
        used += buffer.write(line, used, 'utf8');
        lines += 1;
      }
      rows += 1;
    }
    // A copy: the reader may still hold this page while the buffer is filled with the next one.
    await writeChunk(out, Buffer.from(buffer.subarray(0, used)));
  }
  return { rows, lines };
}

function grown(buffer: Buffer, used: number, needed: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(needed, buffer.length * 2));
  buffer.copy(bigger, 0, 0, used);
  return bigger;
}

/** CP932: every line fitted to what the encoding holds, each replacement noted with its receipt number. */
async function writeFittedPages(pages: Pages, shape: Shape, encoder: ExportEncoder, out: Writable): Promise<{ rows: number; lines: number }> {
  let rows = 0;
  let lines = 0;
  for await (const page of pages) {
    let text = '';
    for (const row of page) {
      const where = () => `${row.receiptNumber || row.giftReceiptNumber || row.id} (${row.supporterId})`;
      for (const cells of shape.lines(row)) {
        text += encoder.line(cells, where) + '\r\n';
        lines += 1;
      }
      rows += 1;
    }
    await writeChunk(out, encoder.encode(text));
  }
  return { rows, lines };
}
