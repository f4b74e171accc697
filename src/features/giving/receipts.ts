import type { Settings } from '../../../config/organisation';
import type { Db, Tx } from '../../db/client';
import { pick, t, type Locale, tOrValue } from '../../lib/i18n';
import type { EmailEnrichers } from '../emails';
import { findSettingImage } from '../settings';
import { displayName, findSupporterById } from '../supporters';
import { findDonation, findSubscriptionByRowId, findSubscriptionsOf, type Donation } from './ledger.repo';
import { isCurrentSubscription } from './giving.service';
import { renderReceiptPdf, type ReceiptPdfInput } from './receipt-pdf';

/** The words a receipt uses for a gift: "毎月の寄付（5,000円プラン）" / "One-time gift". */
function describeGift(donation: Donation, locale: Locale): string {
  return donation.frequency === 'monthly'
    ? t(locale, 'giving.receipt.monthly', { plan: (donation.planAmount ?? donation.amount).toLocaleString('ja-JP') })
    : t(locale, 'giving.receipt.oneTime');
}

/** The method as the receipt names it: "クレジットカード" / "Credit card" (the code itself when unknown). */
export function methodLabel(method: string, locale: Locale): string {
  return tOrValue(locale, 'giving.method.', method);
}

/**
 * Who issues a receipt: the name, the address (the receipt's own, else the organisation's 所在地), the
 * contact email and phone, the representative and the seal image when one is uploaded.
 */
export async function receiptIssuer(tx: Tx, settings: Settings, locale: Locale): Promise<ReceiptPdfInput['issuer']> {
  const { organisation, receipt } = settings;
  const contact = [organisation.contactEmail, organisation.phone].filter((part) => part.trim() !== '').join(' / ');
  const seal = await findSettingImage(tx, 'seal');
  return {
    name: pick(receipt.issuerName, locale),
    address: pick(receipt.issuerAddress, locale).trim() || pick(organisation.address, locale),
    contact: contact ? t(locale, 'giving.receipt.contact', { contact }) : '',
    representative: pick(receipt.representative, locale),
    seal: seal?.bytes,
  };
}

/** Renders the PDF receipt of one gift (the same number as its email). */
export async function renderGiftReceipt(db: Db, settings: Settings, donation: Donation, locale: Locale): Promise<Buffer> {
  const supporter = await findSupporterById(db, donation.supporterId);
  return renderReceiptPdf({
    locale,
    kind: 'single',
    receiptNumber: donation.receiptNumber ?? '',
    issuedOn: donation.receivedAt,
    recipient: { name: supporter ? displayName(supporter, locale) : '', isOrganisation: supporter?.kind === 'organisation' },
    issuer: await receiptIssuer(db, settings, locale),
    lines: [{ date: donation.receivedAt, amount: donation.amount, description: describeGift(donation, locale), method: methodLabel(donation.method, locale) }],
    total: donation.amount,
    note: pick(settings.receipt.taxNote, locale),
  });
}

const readerLocale = (email: { locale: string }): Locale => (email.locale === 'en' ? 'en' : 'ja');

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
          name: supporter ? displayName(supporter, locale) : '',
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
    async welcome({ subscriptionId }, email) {
      const subscription = await findSubscriptionByRowId(db, subscriptionId);
      const supporter = subscription ? await findSupporterById(db, subscription.supporterId) : undefined;
      return { context: { name: supporter ? displayName(supporter, readerLocale(email)) : '', amount: subscription?.amount, meUrl } };
    },
    async cancelled({ subscriptionId }, email) {
      const subscription = await findSubscriptionByRowId(db, subscriptionId);
      const supporter = subscription ? await findSupporterById(db, subscription.supporterId) : undefined;
      return { context: { name: supporter ? displayName(supporter, readerLocale(email)) : '', amount: subscription?.amount, joinUrl: `${publicUrl}/family` } };
    },
    // To a monthly donor whose address was used on the join form: their giving is managed on My page or in
    // the Billing Portal (card link); the Checkout that opened would be a second, separate monthly gift.
    async 'already-monthly'(_params, email) {
      const supporter = email.supporterId ? await findSupporterById(db, email.supporterId) : undefined;
      const current = supporter ? (await findSubscriptionsOf(db, supporter.id)).find((s) => isCurrentSubscription(s.status)) : undefined;
      return {
        context: { name: supporter ? displayName(supporter, readerLocale(email)) : '', amount: current?.amount, meUrl, cardUrl: supporter ? cardLink(supporter.id) : meUrl },
      };
    },
    async 'payment-failed'(_params, email) {
      const supporter = email.supporterId ? await findSupporterById(db, email.supporterId) : undefined;
      return { context: { name: supporter ? displayName(supporter, readerLocale(email)) : '', cardUrl: supporter ? cardLink(supporter.id) : meUrl } };
    },
  };
}
