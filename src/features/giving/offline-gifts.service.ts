import type { Db, Tx } from '../../db/client';
import { emailKey } from '../../lib/email-address';
import { recordAudit } from '../audit';
import { findSupporterByEmail, findSupporterById, refreshSupporterStatus, registerSupporter, type Supporter } from '../supporters';
import { startOfTokyoDay } from './gift-values';
import { insertDonationOnce, type Donation } from './ledger.repo';
import { recordGift } from './ledger.service';
import type { NewSupporterFields, OfflineGiftForm, OfflineMethod } from './offline-gifts.schemas';
import { findReversalOf, lockDonation } from './offline-gifts.repo';

export interface StaffContext {
  staffId: string;
  ip?: string;
}

/** A supporter staff add by hand: no consents are recorded (nobody ticked a box), Japanese by default. */
export async function addSupporterByStaff(tx: Tx, fields: NewSupporterFields): Promise<Supporter> {
  return registerSupporter(
    tx,
    {
      kind: fields.organisationName ? 'organisation' : 'individual',
      email: fields.email,
      familyName: fields.familyName,
      givenName: fields.givenName,
      familyNameKana: fields.familyNameKana || undefined,
      givenNameKana: fields.givenNameKana || undefined,
      organisationName: fields.organisationName || undefined,
      locale: 'ja',
    },
    [],
    { source: 'staff_console' },
  );
}

export interface OfflineGiftInput {
  supporterId: string;
  receivedOn: string;
  amount: number;
  method: OfflineMethod;
  payerName: string | null;
  note: string | null;
  bankFingerprint?: string;
}

/**
 * Books a gift that did not come through Stripe: an 'offline' ledger row with a receipt number from
 * the same yearly sequence. No receipt email is queued: offline gifts are receipted in the annual
 * receipt, and a mistaken bank match must be reversible before anything reaches a person.
 * Returns undefined when a bank line with the same fingerprint is in the ledger already.
 */
export async function bookOfflineGift(tx: Tx, input: OfflineGiftInput, by: StaffContext): Promise<Donation | undefined> {
  const gift = await recordGift(tx, {
    supporterId: input.supporterId,
    amount: input.amount,
    fee: null,
    method: input.method,
    frequency: 'one_time',
    planAmount: null,
    receivedAt: startOfTokyoDay(input.receivedOn),
    note: input.note,
    channel: 'offline',
    payerName: input.payerName,
    recordedBy: by.staffId,
    bankFingerprint: input.bankFingerprint ?? null,
    sendReceipt: false,
  });
  if (gift) {
    await recordAudit(tx, {
      staffId: by.staffId,
      action: 'gift.record',
      targetType: 'donation',
      targetId: gift.id,
      detail: { supporterId: input.supporterId, amount: input.amount, method: input.method, receiptNumber: gift.receiptNumber, bank: Boolean(input.bankFingerprint) },
      ip: by.ip,
    });
  }
  return gift;
}

export type RecordOutcome = { ok: true; gift: Donation } | { ok: false; errors: Record<string, string> };

/** The gift form's use case: find or add the supporter, then book the gift, in one transaction. */
export async function recordOfflineGift(db: Db, form: OfflineGiftForm, by: StaffContext): Promise<RecordOutcome> {
  return db.transaction(async (tx): Promise<RecordOutcome> => {
    let supporterId: string;
    if (form.supporter.kind === 'existing') {
      const found = await findSupporterById(tx, form.supporter.id);
      if (!found || found.mergedIntoId) return { ok: false, errors: { supporter_id: 'giving.gifts.errors.supporterMissing' } };
      supporterId = found.id;
    } else {
      // Someone with this email exists: staff choose them in the search instead of a silent link.
      if (await findSupporterByEmail(tx, emailKey(form.supporter.email))) return { ok: false, errors: { new_email: 'giving.gifts.errors.emailTaken' } };
      const added = await addSupporterByStaff(tx, form.supporter);
      await recordAudit(tx, { staffId: by.staffId, action: 'supporter.create', targetType: 'supporter', targetId: added.id, detail: { source: 'gift_form' }, ip: by.ip });
      supporterId = added.id;
    }
    const gift = await bookOfflineGift(tx, { ...form, supporterId }, by);
    return { ok: true, gift: gift! };
  });
}

export type ReverseOutcome = { ok: true; reversal: Donation } | { ok: false; problem: 'notFound' | 'notGift' | 'stripeGift' | 'alreadyReversed' };

/**
 * Takes back a mistaken offline gift with a reversing entry (never an edit or a delete): a negative
 * row on the gift's own day, pointing at it, so every day, year and receipt total nets to zero.
 */
export async function reverseOfflineGift(db: Db, giftId: string, reason: string, by: StaffContext): Promise<ReverseOutcome> {
  return db.transaction(async (tx) => {
    const gift = await lockDonation(tx, giftId);
    if (!gift) return { ok: false as const, problem: 'notFound' as const };
    if (gift.entry !== 'gift') return { ok: false as const, problem: 'notGift' as const };
    // Card gifts are taken back by a refund in Stripe, which the webhook books.
    if (gift.channel !== 'offline') return { ok: false as const, problem: 'stripeGift' as const };
    if (await findReversalOf(tx, gift.id)) return { ok: false as const, problem: 'alreadyReversed' as const };
    const reversal = await insertDonationOnce(tx, {
      supporterId: gift.supporterId,
      entry: 'reversal',
      amount: -gift.amount,
      fee: null,
      net: null,
      method: gift.method,
      frequency: gift.frequency,
      planAmount: gift.planAmount,
      relatedDonationId: gift.id,
      receivedAt: gift.receivedAt,
      receivedOn: gift.receivedOn,
      note: reason,
      channel: 'offline',
      payerName: gift.payerName,
      recordedBy: by.staffId,
    });
    // The unique index (one reversal per gift) is the last word when two staff press at once.
    if (!reversal) return { ok: false as const, problem: 'alreadyReversed' as const };
    await refreshSupporterStatus(tx, gift.supporterId);
    await recordAudit(tx, {
      staffId: by.staffId,
      action: 'gift.reverse',
      targetType: 'donation',
      targetId: gift.id,
      detail: { reversalId: reversal.id, amount: gift.amount, reason },
      ip: by.ip,
    });
    return { ok: true as const, reversal };
  });
}
