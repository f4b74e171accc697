import type { AccountingSettings } from '../../../../config/organisation';
import type { LedgerRow } from '../ledger-rows';

/** One booking of a ledger row: a gift (gross), the Stripe fee on it, or money given back. */
export interface Posting {
  type: 'gift' | 'fee' | 'takeback';
  day: string;
  amount: number;
  /** Where the money is: the Stripe receivable, the bank or cash (account, sub-account, freee wallet). */
  money: { account: string; sub: string; wallet: string };
  /** 摘要: what it is, the receipt number and the supporter's name. */
  memo: string;
  /** The receipt number (or the row id when it has none), for 管理番号. */
  ref: string;
}

const MEMO = {
  gift: '寄付',
  fee: 'Stripe手数料',
  refund: '寄付の返金',
  dispute: '寄付の不審請求(チャージバック)',
  reversal: '寄付の取消',
} as const;

function moneyOf(row: LedgerRow, a: AccountingSettings): Posting['money'] {
  if (row.channel === 'stripe') return { account: a.stripeAccount, sub: a.stripeSubAccount, wallet: a.freeeStripeWallet };
  if (row.method === 'cash') return { account: a.cashAccount, sub: '', wallet: a.freeeCashWallet };
  return { account: a.bankAccount, sub: a.bankSubAccount, wallet: a.freeeBankWallet };
}

/**
 * How a ledger row is booked, gross: a gift is the whole amount to the donation account and, when
 * Stripe kept a fee, a second posting of the fee; a refund, dispute or reversal gives the amount back.
 */
export function postingsOf(row: LedgerRow, a: AccountingSettings): Posting[] {
  const money = moneyOf(row, a);
  const number = row.entry === 'gift' ? row.receiptNumber : row.giftReceiptNumber;
  const ref = number || row.id;
  const who = [number, row.name].filter(Boolean).join(' ');
  if (row.entry !== 'gift') {
    return [{ type: 'takeback', day: row.day, amount: Math.abs(row.amount), money, memo: `${MEMO[row.entry]} ${who}`.trim(), ref }];
  }
  const postings: Posting[] = [{ type: 'gift', day: row.day, amount: row.amount, money, memo: `${MEMO.gift} ${who}`.trim(), ref }];
  if (row.fee) postings.push({ type: 'fee', day: row.day, amount: row.fee, money, memo: `${MEMO.fee} ${number}`.trim(), ref });
  return postings;
}

/** A day as the accounting software write it: 2026/04/01. */
export const slashDay = (day: string) => day.replace(/-/g, '/');

/** The debit and credit sides of a posting in double-entry formats. */
export function sidesOf(p: Posting, a: AccountingSettings): { debit: { account: string; sub: string; tax: string }; credit: { account: string; sub: string; tax: string } } {
  const money = { account: p.money.account, sub: p.money.sub, tax: '対象外' };
  const donation = { account: a.donationAccount, sub: '', tax: a.donationTaxCategory };
  if (p.type === 'gift') return { debit: money, credit: donation };
  if (p.type === 'fee') return { debit: { account: a.feeAccount, sub: '', tax: a.feeTaxCategory }, credit: money };
  return { debit: donation, credit: money };
}
