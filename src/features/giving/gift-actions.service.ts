import type { Db } from '../../db/client';
import { recordAudit } from '../audit';
import type { StripeGateway } from '../billing';
import { queueEmail } from '../emails';
import { findSupporterById } from '../supporters';
import { findTakeBacksOf } from './gift-actions.repo';
import { findDonation, type Donation } from './ledger.repo';
import type { StaffContext } from './offline-gifts.service';

export const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

export type ReceiptProblem = 'notFound' | 'noReceipt' | 'takenBack' | 'noAddress' | 'badKey';
export type RefundProblem = 'notFound' | 'notCard' | 'alreadyRefunded' | 'stripeRefused' | 'stripeFailed';

/** A gift with a receipt (any channel), or why there is none to send. */
export async function receiptableGift(db: Db, id: string): Promise<{ ok: true; gift: Donation } | { ok: false; problem: ReceiptProblem }> {
  const gift = isUuid(id) ? await findDonation(db, id) : undefined;
  if (!gift) return { ok: false, problem: 'notFound' };
  if (gift.entry !== 'gift' || !gift.receiptNumber) return { ok: false, problem: 'noReceipt' };
  return { ok: true, gift };
}

/**
 * Emails a gift's receipt (the PDF attached) to its supporter through the outbox. `sendKey` comes from
 * the form: the same form sent twice is one email, a new click on a fresh page is a deliberate resend.
 */
export async function sendGiftReceipt(
  db: Db,
  id: string,
  sendKey: string,
  by: StaffContext,
): Promise<{ ok: true; gift: Donation; queued: boolean } | { ok: false; problem: ReceiptProblem }> {
  if (!isUuid(sendKey)) return { ok: false, problem: 'badKey' };
  const found = await receiptableGift(db, id);
  if (!found.ok) return found;
  const { gift } = found;
  if ((await findTakeBacksOf(db, gift.id)).length > 0) return { ok: false, problem: 'takenBack' };
  return db.transaction(async (tx) => {
    const supporter = await findSupporterById(tx, gift.supporterId);
    if (!supporter || supporter.erasedAt || /\.invalid$/i.test(supporter.email)) return { ok: false as const, problem: 'noAddress' as const };
    const emailId = await queueEmail(tx, {
      template: 'receipt',
      to: supporter.email,
      locale: supporter.locale,
      supporterId: supporter.id,
      params: { donationId: gift.id },
      dedupeKey: `receipt:${gift.id}:send:${sendKey.toLowerCase()}`,
    });
    if (emailId !== undefined) {
      await recordAudit(tx, {
        staffId: by.staffId,
        action: 'gift.receipt.send',
        targetType: 'donation',
        targetId: gift.id,
        detail: { supporterId: supporter.id, receiptNumber: gift.receiptNumber, emailId },
        ip: by.ip,
      });
    }
    return { ok: true as const, gift, queued: emailId !== undefined };
  });
}

/** A card gift that can still be refunded, or why not (the ledger and Stripe both asked). */
export async function refundableGift(db: Db, stripe: StripeGateway, id: string): Promise<{ ok: true; gift: Donation } | { ok: false; problem: RefundProblem }> {
  const gift = isUuid(id) ? await findDonation(db, id) : undefined;
  if (!gift) return { ok: false, problem: 'notFound' };
  if (gift.entry !== 'gift' || gift.channel !== 'stripe' || gift.method !== 'card' || !gift.stripeChargeId) return { ok: false, problem: 'notCard' };
  if ((await findTakeBacksOf(db, gift.id)).length > 0) return { ok: false, problem: 'alreadyRefunded' };
  const charge = await stripe.retrieveChargeIfExists(gift.stripeChargeId);
  if (!charge) return { ok: false, problem: 'notCard' };
  if (charge.refunded || charge.amount_refunded > 0 || charge.disputed) return { ok: false, problem: 'alreadyRefunded' };
  return { ok: true, gift };
}

/**
 * Refunds a card gift in full through Stripe with the staff member's reason. Nothing is written to the
 * ledger here: the charge.refunded webhook books the refund (with the reason as its note), once.
 */
export async function refundCardGift(
  db: Db,
  stripe: StripeGateway,
  id: string,
  reason: string,
  by: StaffContext,
): Promise<{ ok: true; gift: Donation; refundId: string } | { ok: false; problem: RefundProblem }> {
  const found = await refundableGift(db, stripe, id);
  if (!found.ok) return found;
  const { gift } = found;
  let refund;
  try {
    refund = await stripe.refundCharge(gift.stripeChargeId!, { note: reason, staffId: by.staffId }, `refund:${gift.id}`);
  } catch (err) {
    // Stripe answered and said no (a refund already under way, a request it cannot take): the staff
    // member's request is refused, nothing changed. Only an unreachable or failing Stripe is a 502.
    const status = (err as { statusCode?: number }).statusCode;
    return { ok: false, problem: status !== undefined && status >= 400 && status < 500 ? 'stripeRefused' : 'stripeFailed' };
  }
  await db.transaction((tx) =>
    recordAudit(tx, {
      staffId: by.staffId,
      action: 'gift.refund',
      targetType: 'donation',
      targetId: gift.id,
      detail: { supporterId: gift.supporterId, amount: gift.amount, reason, stripeRefundId: refund.id },
      ip: by.ip,
    }),
  );
  return { ok: true, gift, refundId: refund.id };
}
