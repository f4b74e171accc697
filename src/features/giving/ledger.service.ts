import type { Tx } from '../../db/client';
import { tokyoDay, tokyoYear } from '../../lib/dates';
import { queueEmail } from '../emails';
import { findSupporterById, refreshSupporterStatus } from '../supporters';
import { findGiftByCharge, insertDonationOnce, nextReceiptNumber, setReceiptNumber, type Donation } from './ledger.repo';

export interface GiftInput {
  supporterId: string;
  amount: number;
  fee: number | null;
  method: string;
  frequency: 'monthly' | 'one_time';
  planAmount: number | null;
  subscriptionId?: string | null;
  stripeInvoiceId?: string | null;
  stripePaymentIntentId?: string | null;
  stripeChargeId?: string | null;
  receivedAt: Date;
  note?: string | null;
  /** Gifts staff record by hand or from a bank statement are 'offline'; the default is 'stripe'. */
  channel?: 'stripe' | 'offline';
  payerName?: string | null;
  recordedBy?: string | null;
  /** For bank statement lines: a second line with the same fingerprint is not recorded. */
  bankFingerprint?: string | null;
  /** Queue the receipt email (default true; offline gifts are receipted in the annual receipt). */
  sendReceipt?: boolean;
}

/** Thrown when an event refers to a gift not recorded yet: the job retries later. */
export class GiftNotRecordedYet extends Error {}

/**
 * Records one gift exactly once (unique Stripe ids or bank fingerprint), numbers its receipt and
 * queues the receipt email. A repeated call for the same payment returns undefined and changes nothing.
 */
export async function recordGift(tx: Tx, input: GiftInput): Promise<Donation | undefined> {
  const gift = await insertDonationOnce(tx, {
    supporterId: input.supporterId,
    entry: 'gift',
    amount: input.amount,
    fee: input.fee,
    net: input.fee === null ? null : input.amount - input.fee,
    method: input.method,
    frequency: input.frequency,
    planAmount: input.planAmount,
    subscriptionId: input.subscriptionId ?? null,
    stripeInvoiceId: input.stripeInvoiceId ?? null,
    stripePaymentIntentId: input.stripePaymentIntentId ?? null,
    stripeChargeId: input.stripeChargeId ?? null,
    receivedAt: input.receivedAt,
    receivedOn: tokyoDay(input.receivedAt),
    note: input.note ?? null,
    channel: input.channel ?? 'stripe',
    payerName: input.payerName ?? null,
    recordedBy: input.recordedBy ?? null,
    bankFingerprint: input.bankFingerprint ?? null,
  });
  if (!gift) return undefined;
  const receiptNumber = await nextReceiptNumber(tx, tokyoYear(input.receivedAt));
  await setReceiptNumber(tx, gift.id, receiptNumber);
  await refreshSupporterStatus(tx, input.supporterId);
  const supporter = input.sendReceipt === false ? undefined : await findSupporterById(tx, input.supporterId);
  if (supporter) {
    await queueEmail(tx, {
      template: 'receipt',
      to: supporter.email,
      locale: supporter.locale,
      supporterId: supporter.id,
      params: { donationId: gift.id },
      dedupeKey: `receipt:${gift.id}`,
    });
  }
  return { ...gift, receiptNumber };
}

export interface TakeBackInput {
  entry: 'refund' | 'dispute';
  stripeChargeId: string;
  stripeRefundId?: string;
  stripeDisputeId?: string;
  amount: number;
  at: Date;
  note?: string;
}

/** Records a refund or dispute as its own negative row against the gift; once per Stripe id. */
export async function recordTakeBack(tx: Tx, input: TakeBackInput): Promise<Donation | undefined> {
  const gift = await findGiftByCharge(tx, input.stripeChargeId);
  if (!gift) throw new GiftNotRecordedYet(`no gift recorded for charge ${input.stripeChargeId} yet`);
  return insertDonationOnce(tx, {
    supporterId: gift.supporterId,
    entry: input.entry,
    amount: -Math.abs(input.amount),
    fee: null,
    net: null,
    method: gift.method,
    frequency: gift.frequency,
    planAmount: gift.planAmount,
    subscriptionId: gift.subscriptionId,
    stripeInvoiceId: null,
    stripePaymentIntentId: gift.stripePaymentIntentId,
    stripeChargeId: input.stripeChargeId,
    stripeRefundId: input.stripeRefundId ?? null,
    stripeDisputeId: input.stripeDisputeId ?? null,
    relatedDonationId: gift.id,
    receivedAt: input.at,
    receivedOn: tokyoDay(input.at),
    note: input.note ?? null,
  });
}
