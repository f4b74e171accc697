import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';

/** Reads CSV text back into cells with csv-parse (RFC 4180: quotes, doubled quotes, CRLF, line breaks inside quotes). */
export function parseCsv(text: string): string[][] {
  return parse(text, { record_delimiter: '\r\n', relax_column_count: true });
}

/** The text of an exported file: UTF-8 must start with a BOM, CP932 is decoded. */
export function decodeExport(bytes: Buffer, encoding: 'utf8' | 'cp932'): string {
  if (encoding === 'utf8') {
    if (bytes[0] !== 0xef || bytes[1] !== 0xbb || bytes[2] !== 0xbf) throw new Error('UTF-8 export without BOM');
    return bytes.subarray(3).toString('utf8');
  }
  return iconv.decode(bytes, 'cp932');
}
