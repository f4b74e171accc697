import type { CsvValue } from '../../../lib/csv';
import { type Locale, tDynamic, translateKey } from '../../../lib/i18n';
import type { LedgerRow } from '../ledger-rows';

// Every column a finance person needs, one line per ledger row; headers and labels in the staff's language.
const COLUMNS = [
  'day',
  'receiptNumber',
  'entry',
  'giftReceiptNumber',
  'supporterId',
  'name',
  'kana',
  'kind',
  'amount',
  'fee',
  'net',
  'method',
  'plan',
  'status',
  'refunded',
  'chargeId',
  'invoiceId',
  'paymentIntentId',
  'refundId',
  'disputeId',
  'note',
] as const;

/** The header line of the standard format. */
export function standardHeader(lang: Locale): string[] {
  return COLUMNS.map((c) => tDynamic(lang, 'exports.col.', c));
}

/** Labels looked up once per export, not once per row; `{amount}` is filled in for plans. */
export function standardLabels(lang: Locale): (key: string, amount?: number) => string {
  const cache = new Map<string, string>();
  return (key, amount) => {
    const id = amount === undefined ? key : `${key}:${amount}`;
    let label = cache.get(id);
    if (label === undefined) {
      label = translateKey(lang, key, amount === undefined ? {} : { amount: amount.toLocaleString('ja-JP') });
      cache.set(id, label);
    }
    return label;
  };
}

/** The standard line of one ledger row. */
export function standardLines(row: LedgerRow, label: (key: string, amount?: number) => string): CsvValue[][] {
  const gift = row.entry === 'gift';
  const method = label(`giving.gifts.method.${row.method}`);
  // Offline gifts carry no fee; a Stripe fee not known yet stays empty rather than a guessed 0.
  const fee = gift ? (row.channel === 'offline' ? 0 : row.fee) : null;
  const net = gift ? (fee === null ? null : row.amount - fee) : row.amount;
  return [
    [
      row.day,
      row.receiptNumber,
      label(`exports.entry.${row.entry}`),
      row.giftReceiptNumber,
      row.supporterId,
      row.name,
      row.kana,
      label(`exports.kind.${row.kind}`),
      row.amount,
      fee,
      net,
      method.startsWith('giving.gifts.method.') ? row.method : method,
      row.frequency === 'monthly' ? label('exports.plan.monthly', row.planAmount ?? row.amount) : label('exports.plan.one_time'),
      label(`exports.status.${row.status}`),
      gift ? row.refunded : null,
      row.chargeId,
      row.invoiceId,
      row.paymentIntentId,
      row.refundId,
      row.disputeId,
      row.note,
    ],
  ];
}
