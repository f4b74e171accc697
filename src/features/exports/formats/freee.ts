import type { AccountingSettings } from '../../../../config/organisation';
import type { CsvValue } from '../../../lib/csv';
import type { LedgerRow } from '../ledger-rows';
import { postingsOf, slashDay } from './postings';

// freee 会計「取引のインポート」: one settled 取引 per posting (決済日 and 決済口座 filled in).
export const freeeHeader = [
  '収支区分',
  '管理番号',
  '発生日',
  '決済期日',
  '取引先コード',
  '取引先',
  '勘定科目',
  '税区分',
  '金額',
  '税計算区分',
  '税額',
  '備考',
  '品目',
  '部門',
  'メモタグ（複数指定可、カンマ区切り）',
  'セグメント1',
  'セグメント2',
  'セグメント3',
  '決済日',
  '決済口座',
  '決済金額',
];

/** The freee lines of one ledger row. */
export function freeeLines(row: LedgerRow, a: AccountingSettings): CsvValue[][] {
  return postingsOf(row, a).map((p) => {
    const income = p.type === 'gift';
    const account = p.type === 'fee' ? a.feeAccount : a.donationAccount;
    const tax = p.type === 'fee' ? a.feeTaxCategory : a.donationTaxCategory;
    const day = slashDay(p.day);
    return [income ? '収入' : '支出', p.ref, day, '', '', '', account, tax, p.amount, '内税', '', p.memo, '', '', '', '', '', '', day, p.money.wallet, p.amount];
  });
}
