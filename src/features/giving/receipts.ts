import type { Settings } from '../../../config/organisation';
import type { Db } from '../../db/client';
import { pick, t, type Locale } from '../../lib/i18n';
import type { EmailEnrichers } from '../emails';
import { displayName, findSupporterById } from '../supporters';
import { findDonation, findSubscriptionByRowId, findSubscriptionsOf, type Donation } from './ledger.repo';
import { isCurrentSubscription } from './giving.service';
import { renderReceiptPdf } from './receipt-pdf';

/** The words a receipt uses for a gift: "毎月の寄付（5,000円プラン）" / "One-time gift". */
function describeGift(donation: Donation, locale: Locale): string {
  return donation.frequency === 'monthly'
    ? t(locale, 'giving.receipt.monthly', { plan: (donation.planAmount ?? donation.amount).toLocaleString('ja-JP') })
    : t(locale, 'giving.receipt.oneTime');
}

/** The method as the receipt names it: "クレジットカード" / "Credit card" (the code itself when unknown). */
export function methodLabel(method: string, locale: Locale): string {
  const key = `giving.method.${method}`;
  const label = t(locale, key);
  return label === key ? method : label;
}

/** Renders the PDF receipt of one gift (the same number as its email). */
export async function renderGiftReceipt(db: Db, settings: Settings, donation: Donation, locale: Locale): Promise<Buffer> {
  const supporter = await findSupporterById(db, donation.supporterId);
  return renderReceiptPdf({
    locale,
    kind: 'single',
    receiptNumber: donation.receiptNumber ?? '',
    issuedOn: donation.receivedAt,
    recipient: { name: supporter ? displayName(supporter) : '', isOrganisation: supporter?.kind === 'organisation' },
    issuer: {
      name: pick(settings.receipt.issuerName, locale),
      address: pick(settings.receipt.issuerAddress, locale),
      representative: pick(settings.receipt.representative, locale),
    },
    lines: [{ date: donation.receivedAt, amount: donation.amount, description: describeGift(donation, locale), method: methodLabel(donation.method, locale) }],
    total: donation.amount,
    note: pick(settings.receipt.taxNote, locale),
  });
}

/** Email enrichers of the giving feature: what each template needs, loaded from the ids in params. */
export function givingEmailEnrichers(
  db: Db,
  publicUrl: string,
  cardLink: (supporterId: string) => string,
): Pick<EmailEnrichers, 'receipt' | 'welcome' | 'cancelled' | 'already-monthly' | 'payment-failed'> {
  const meUrl = `${publicUrl}/me`;
  return {
    async receipt({ donationId }, email, settings) {
      const donation = await findDonation(db, donationId);
      if (!donation) throw new Error(`receipt email ${email.id}: donation not found`);
      const locale = email.locale === 'en' ? 'en' : 'ja';
      const supporter = await findSupporterById(db, donation.supporterId);
      const pdf = await renderGiftReceipt(db, settings, donation, locale);
      return {
        context: {
          name: supporter ? displayName(supporter) : '',
          amount: donation.amount,
          receivedAt: donation.receivedAt,
          receiptNumber: donation.receiptNumber,
          description: describeGift(donation, locale),
          taxNote: settings.receipt.taxNote,
          meUrl,
        },
        attachments: [{ filename: `receipt-${donation.receiptNumber}.pdf`, content: pdf, contentType: 'application/pdf' }],
      };
    },
    async welcome({ subscriptionId }) {
      const subscription = await findSubscriptionByRowId(db, subscriptionId);
      const supporter = subscription ? await findSupporterById(db, subscription.supporterId) : undefined;
      return { context: { name: supporter ? displayName(supporter) : '', amount: subscription?.amount, meUrl } };
    },
    async cancelled({ subscriptionId }) {
      const subscription = await findSubscriptionByRowId(db, subscriptionId);
      const supporter = subscription ? await findSupporterById(db, subscription.supporterId) : undefined;
      return { context: { name: supporter ? displayName(supporter) : '', amount: subscription?.amount, joinUrl: `${publicUrl}/family` } };
    },
    // To a monthly donor whose address was used on the join form: their giving is managed on My page or in
    // the Billing Portal (card link); the Checkout that opened would be a second, separate monthly gift.
    async 'already-monthly'(_params, email) {
      const supporter = email.supporterId ? await findSupporterById(db, email.supporterId) : undefined;
      const current = supporter ? (await findSubscriptionsOf(db, supporter.id)).find((s) => isCurrentSubscription(s.status)) : undefined;
      return { context: { name: supporter ? displayName(supporter) : '', amount: current?.amount, meUrl, cardUrl: supporter ? cardLink(supporter.id) : meUrl } };
    },
    async 'payment-failed'(_params, email) {
      const supporter = email.supporterId ? await findSupporterById(db, email.supporterId) : undefined;
      return { context: { name: supporter ? displayName(supporter) : '', cardUrl: supporter ? cardLink(supporter.id) : meUrl } };
    },
  };
}
