import type { AccountingSettings } from '../../../../config/organisation';
import type { CsvValue } from '../../../lib/csv';
import type { LedgerRow } from '../ledger-rows';
import { postingsOf, sidesOf, slashDay } from './postings';

// マネーフォワード クラウド会計「仕訳帳インポート」: one 取引No per posting, debit and credit on one line.
export const moneyforwardHeader = [
  '取引No',
  '取引日',
  '借方勘定科目',
  '借方補助科目',
  '借方部門',
  '借方取引先',
  '借方税区分',
  '借方インボイス',
  '借方金額(円)',
  '借方税額',
  '貸方勘定科目',
  '貸方補助科目',
  '貸方部門',
  '貸方取引先',
  '貸方税区分',
  '貸方インボイス',
  '貸方金額(円)',
  '貸方税額',
  '摘要',
  '仕訳メモ',
  'タグ',
  'MF仕訳タイプ',
  '決算整理仕訳',
  '作成日時',
  '作成者',
  '最終更新日時',
  '最終更新者',
];

/** The Money Forward lines of one ledger row; `next` numbers the 取引No across the file. */
export function moneyforwardLines(row: LedgerRow, a: AccountingSettings, next: () => number): CsvValue[][] {
  return postingsOf(row, a).map((p) => {
    const { debit, credit } = sidesOf(p, a);
    return [
      next(),
      slashDay(p.day),
      debit.account,
      debit.sub,
      '',
      '',
      debit.tax,
      '',
      p.amount,
      '',
      credit.account,
      credit.sub,
      '',
      '',
      credit.tax,
      '',
      p.amount,
      '',
      p.memo,
      p.ref,
      '',
      '',
      '',
      '',
      '',
      '',
      '',
    ];
  });
}
