import type { Localized, Settings } from '../../../config/organisation';
import { isDeliverableEmail, normalizeEmailAddress } from '../../lib/email-address';
import { hasControlCharacters } from '../../lib/text';

// The settings form: which setting each field edits and how it is checked. Field names are dotted
// paths (`familyPage.faq.2.answer.en`); a bilingual text is two fields, `.ja` and `.en`.

export type FieldKind = 'line' | 'text' | 'email' | 'url' | 'switch' | 'number' | 'time' | 'phone';
/**
 * A rule for one value: `line` is one line, `text` may have line breaks, `number` a whole number in
 * `range`, `time` a time of day HH:MM, `phone` a telephone number. Every value is stored as a string.
 */
export interface Rule {
  kind: FieldKind;
  max: number;
  /** For bilingual texts: Japanese is required, English may stay empty (Japanese is shown then). */
  required: boolean;
  /** For `number`: the smallest and largest value allowed. */
  range?: { min: number; max: number };
}
export interface FieldSpec {
  key: string;
  rule: Rule;
  localized: boolean;
}
export interface ListSpec {
  key: 'plans' | 'benefits' | 'faq';
  /** Plans are fixed (their amounts are Stripe prices); other lists can grow up to `max` items. */
  fixed: boolean;
  max: number;
  fields: FieldSpec[];
}
export interface SectionSpec {
  key: EditableSection;
  fields: (FieldSpec | ListSpec)[];
}

export const editableSections = ['organisation', 'familyPage', 'email', 'newsletter', 'receipt', 'accounting', 'privacy', 'security'] as const;
export type EditableSection = (typeof editableSections)[number];

const line = (max: number, required = true): Rule => ({ kind: 'line', max, required });
const text = (max: number, required = true): Rule => ({ kind: 'text', max, required });
const number = (min: number, max: number): Rule => ({ kind: 'number', max: String(max).length, required: true, range: { min, max } });
const time = (): Rule => ({ kind: 'time', max: 5, required: true });
const bi = (key: string, rule: Rule): FieldSpec => ({ key, rule, localized: true });
const one = (key: string, rule: Rule): FieldSpec => ({ key, rule, localized: false });

// Limits keep one full form well under the 64 kB body limit with realistic texts.
export const settingsForm: SectionSpec[] = [
  {
    key: 'organisation',
    fields: [
      bi('name', line(100)),
      bi('legalName', line(150)),
      bi('representative', line(100)),
      bi('address', line(300, false)),
      one('contactEmail', { kind: 'email', max: 254, required: true }),
      one('phone', { kind: 'phone', max: 20, required: false }),
      one('websiteUrl', { kind: 'url', max: 500, required: false }),
      bi('tagline', text(300)),
      bi('mission', text(1000)),
    ],
  },
  {
    key: 'familyPage',
    fields: [
      bi('headline', line(150)),
      bi('lead', text(1000)),
      { key: 'plans', fixed: true, max: 3, fields: [bi('description', text(300))] },
      bi('planNote', line(200, false)),
      { key: 'benefits', fixed: false, max: 6, fields: [bi('title', line(100)), bi('body', text(500))] },
      { key: 'faq', fixed: false, max: 12, fields: [bi('question', line(200)), bi('answer', text(1500))] },
      one('facebookGroupUrl', { kind: 'url', max: 500, required: false }),
      one('countThreshold', number(0, 100000)),
    ],
  },
  { key: 'email', fields: [bi('senderName', line(100)), bi('footer', text(500))] },
  {
    key: 'newsletter',
    // Day 28 at most: every month has it, so the rhythm never skips February.
    fields: [one('issueDay', number(1, 28)), one('issueTime', time()), one('reminderDaysBefore', number(0, 27)), one('messagesPerSecond', number(1, 1000))],
  },
  {
    key: 'receipt',
    fields: [bi('issuerName', line(150)), bi('issuerAddress', text(300, false)), bi('representative', line(100)), bi('taxNote', text(500))],
  },
  {
    key: 'accounting',
    fields: [
      one('donationAccount', line(40)),
      one('feeAccount', line(40)),
      one('stripeAccount', line(40)),
      one('stripeSubAccount', line(40, false)),
      one('bankAccount', line(40)),
      one('bankSubAccount', line(40, false)),
      one('cashAccount', line(40)),
      one('donationTaxCategory', line(40)),
      one('feeTaxCategory', line(40)),
      one('freeeStripeWallet', line(40)),
      one('freeeBankWallet', line(40)),
      one('freeeCashWallet', line(40)),
    ],
  },
  { key: 'privacy', fields: [bi('notice', text(4000))] },
  { key: 'security', fields: [one('requireTotpForAdmins', { kind: 'switch', max: 0, required: false })] },
];

export const isList = (f: FieldSpec | ListSpec): f is ListSpec => 'fields' in f;

/** An error on one field: a message key and its placeholders. */
export interface FieldError {
  key: string;
  params?: Record<string, string | number>;
}

// Markup is refused rather than stored: texts are shown as plain text everywhere (pages, emails,
// PDF receipts), so a tag would only ever appear as literal characters.
const markup = /[<>]/;

/** Checks and normalises one submitted value; returns the clean value or an error. */
export function checkValue(raw: unknown, rule: Rule, required: boolean): { value: string } | { error: FieldError } {
  if (raw === undefined) return { error: { key: 'settings.errors.missing' } };
  if (typeof raw !== 'string') return { error: { key: 'settings.errors.invalid' } };
  // Browsers send line breaks as CRLF; one form is stored.
  const value = raw.replace(/\r\n?/g, '\n').trim();
  if (hasControlCharacters(value) || value.includes('\t') || (rule.kind !== 'text' && value.includes('\n'))) return { error: { key: 'settings.errors.control' } };
  if (value === '') return required ? { error: { key: 'settings.errors.required' } } : { value };
  if (rule.kind === 'number' || rule.kind === 'time') return checkNumeric(value, rule);
  if ([...value].length > rule.max) return { error: { key: 'settings.errors.tooLong', params: { max: rule.max } } };
  if (rule.kind === 'phone') return checkPhone(value);
  if (rule.kind === 'email') {
    const address = normalizeEmailAddress(value);
    return isDeliverableEmail(address) ? { value: address } : { error: { key: 'settings.errors.email' } };
  }
  if (rule.kind === 'url') {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    const ok = url && (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' && !/[\s<>"'`\\]/.test(value) && !url.username && !url.password;
    return ok ? { value } : { error: { key: 'settings.errors.url' } };
  }
  if (markup.test(value)) return { error: { key: 'settings.errors.markup' } };
  return { value };
}

/** A whole number in its range, or a time HH:MM; full-width digits are read as digits, the stored form is plain. */
function checkNumeric(raw: string, rule: Rule): { value: string } | { error: FieldError } {
  const value = raw.normalize('NFKC').replace(/\s+/g, '');
  if (rule.kind === 'time') {
    const m = /^(\d{1,2}):(\d{2})$/.exec(value);
    const isTime = m !== null && Number(m[1]) <= 23 && Number(m[2]) <= 59;
    return isTime ? { value: `${m[1]!.padStart(2, '0')}:${m[2]}` } : { error: { key: 'settings.errors.time' } };
  }
  const range = rule.range ?? { min: 0, max: Number.MAX_SAFE_INTEGER };
  const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  return n >= range.min && n <= range.max ? { value: String(n) } : { error: { key: 'settings.errors.number', params: range } };
}

/** A telephone number as people write it (03-1234-5678, +81 3 1234 5678); full-width digits are read as digits. */
function checkPhone(raw: string): { value: string } | { error: FieldError } {
  const value = raw.normalize('NFKC').replace(/\s+/g, ' ');
  const digits = value.replace(/\D/g, '').length;
  return /^\+?[0-9() -]+$/.test(value) && digits >= 6 && digits <= 15 ? { value } : { error: { key: 'settings.errors.phone' } };
}

/** A checkbox: absent is off, "on" is on, anything else is a tampered form. */
export function checkSwitch(raw: unknown): { value: boolean } | { error: FieldError } {
  if (raw === undefined) return { value: false };
  if (raw === 'on') return { value: true };
  return { error: { key: 'settings.errors.invalid' } };
}

/** The form field names of one field: `.ja` and `.en` for bilingual texts. */
export function fieldNames(base: string, spec: FieldSpec): string[] {
  return spec.localized ? [`${base}.ja`, `${base}.en`] : [base];
}

export type EditableSettings = Pick<Settings, EditableSection>;
export type { Localized };
