// View models shared by the gift and bank import pages of the staff console.

import { type Locale, translateKey } from '../../lib/i18n';
import { formErrors, type FormErrorsView, type FormFields } from '../../web/form-errors';
import { displayName } from '../supporters';
import type { Donation } from './ledger.repo';
import type { SupporterHit } from './offline-gifts.repo';

/** Strings only, at most 500 characters each: what a re-shown form may echo back. */
export function echo(body: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && key !== '_csrf' && key.length <= 60) values[key] = value.slice(0, 500);
  }
  return values;
}

/** The new-supporter fields of the gift and bank-line forms, in page order. */
const newSupporterFields: FormFields = [
  ['supporter_id', 'giving.gifts.new.chooseSupporter'],
  ['new_family_name', 'giving.gifts.field.familyName'],
  ['new_given_name', 'giving.gifts.field.givenName'],
  ['new_family_name_kana', 'giving.gifts.field.familyNameKana'],
  ['new_given_name_kana', 'giving.gifts.field.givenNameKana'],
  ['new_email', 'giving.gifts.field.email'],
  ['new_organisation_name', 'giving.gifts.field.organisationName'],
];

/** The offline gift form's fields in page order (views/admin/gifts/new.hbs). */
export const giftFormFields: FormFields = [
  ...newSupporterFields,
  ['received_on', 'giving.gifts.field.receivedOn'],
  ['amount', 'giving.gifts.field.amount'],
  ['method', 'giving.gifts.field.method'],
  ['payer_name', 'giving.gifts.field.payerName'],
  ['note', 'giving.gifts.field.note'],
];

/** The bank line form's fields in page order (views/admin/imports/line.hbs). */
export const lineFormFields: FormFields = newSupporterFields;

/** Message keys → messages in the page's language, naming their fields, in the form's order. */
export function translateErrors(locale: Locale, errors: Record<string, string>, fields: FormFields, params: Record<string, string | number> = {}): FormErrorsView {
  return formErrors(locale, errors, fields, params);
}

/** Label of a key family (gifts.method.cash), or the raw value when there is none. */
export function label(locale: Locale, family: string, value: string): string {
  const key = `giving.gifts.${family}.${value}`;
  const text = translateKey(locale, key);
  return text === key ? value : text;
}

export interface SupporterView {
  id: string;
  name: string;
  kana: string;
  email: string;
  status: string;
}

/** A supporter as the console lists them: name, フリガナ, email, status. */
export function supporterView(locale: Locale, s: SupporterHit): SupporterView {
  return {
    id: s.id,
    name: displayName(s),
    kana: [s.familyNameKana, s.givenNameKana].filter(Boolean).join(' '),
    email: s.email,
    status: label(locale, 'status', s.status),
  };
}

/** A ledger row as the console shows it. */
export function donationView(locale: Locale, d: Donation) {
  return {
    id: d.id,
    entry: d.entry,
    entryLabel: label(locale, 'entry', d.entry),
    amount: d.amount,
    isNegative: d.amount < 0,
    receivedOn: d.receivedOn,
    method: label(locale, 'method', d.method),
    channel: d.channel,
    payerName: d.payerName,
    receiptNumber: d.receiptNumber,
    note: d.note,
    relatedDonationId: d.relatedDonationId,
    createdAt: d.createdAt,
    isFromBank: Boolean(d.bankFingerprint),
  };
}
