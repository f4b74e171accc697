import type { AccountingSettings } from '../../../../config/organisation';
import type { CsvValue } from '../../../lib/csv';
import type { LedgerRow } from '../ledger-rows';
import { postingsOf, sidesOf, slashDay } from './postings';

// 弥生会計「仕訳日記帳」インポート形式: 25 columns, no header line, 識別フラグ 2000 = a one-line 伝票.
/** 弥生 reads at most 64 bytes (CP932) of 摘要. */
export const YAYOI_MEMO_BYTES = 64;

/** The text cut to what fits in `bytes` CP932 bytes (ASCII and half-width kana 1 byte, others 2). */
export function cutToBytes(text: string, bytes: number): string {
  let used = 0;
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const size = code < 0x80 || (code >= 0xff61 && code <= 0xff9f) ? 1 : 2;
    if (used + size > bytes) break;
    used += size;
    out += char;
  }
  return out;
}

/** The 弥生 lines of one ledger row. */
export function yayoiLines(row: LedgerRow, a: AccountingSettings): CsvValue[][] {
  return postingsOf(row, a).map((p) => {
    const { debit, credit } = sidesOf(p, a);
    return [
      2000,
      '',
      '',
      slashDay(p.day),
      debit.account,
      debit.sub,
      '',
      debit.tax,
      p.amount,
      0,
      credit.account,
      credit.sub,
      '',
      credit.tax,
      p.amount,
      0,
      cutToBytes(p.memo, YAYOI_MEMO_BYTES),
      '',
      '',
      0,
      '',
      '',
      0,
      0,
      'no',
    ];
  });
}
