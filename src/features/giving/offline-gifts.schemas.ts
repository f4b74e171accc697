import { z } from 'zod';
import { issuesByField } from '../../web/form-errors';
import { emailField } from '../../lib/email-address';
import { cleanText, hasControlCharacters, isKatakana, toKatakana } from '../../lib/text';
import { checkGiftDay, isBankPayerName, MAX_OFFLINE_GIFT, MIN_OFFLINE_GIFT, normalizePayer, parseDay, parseYen } from './gift-values';

// Form parsing for the staff console's gift pages. Each failure is a message key shown next to its field.

export const OFFLINE_METHODS = ['bank_transfer', 'cash', 'corporate'] as const;
export type OfflineMethod = (typeof OFFLINE_METHODS)[number];

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const text = (max: number) =>
  z
    .string({ error: 'giving.gifts.errors.invalid' })
    .refine((v) => !hasControlCharacters(v), 'giving.gifts.errors.control')
    .transform(cleanText)
    .refine((v) => v.length <= max, 'giving.gifts.errors.tooLong');

const optionalText = (max: number) =>
  text(max)
    .optional()
    .transform((v) => v ?? '');

const name = (max: number) => optionalText(max).refine((v) => !/[<>{}\\]/.test(v), 'giving.gifts.errors.characters');

const kana = optionalText(50)
  .transform(toKatakana)
  .refine((v) => v === '' || isKatakana(v), 'giving.gifts.errors.kana');

const newSupporterSchema = z.object({
  new_family_name: name(50).refine((v) => v.length > 0, 'giving.gifts.errors.required'),
  new_given_name: name(50),
  new_family_name_kana: kana,
  new_given_name_kana: kana,
  new_organisation_name: name(100),
  new_email: emailField({ required: 'giving.gifts.errors.required', invalid: 'giving.gifts.errors.email', notText: 'giving.gifts.errors.invalid' }),
});

const giftSchema = z.object({
  received_on: z
    .string({ error: 'giving.gifts.errors.date' })
    .refine((v) => v.length <= 20 && parseDay(v) !== undefined, 'giving.gifts.errors.date')
    .transform((v) => parseDay(v)!),
  amount: z
    .string({ error: 'giving.gifts.errors.amount' })
    .transform((v) => (v.length <= 20 ? parseYen(v) : undefined))
    .refine((v): v is number => v !== undefined && v >= MIN_OFFLINE_GIFT && v <= MAX_OFFLINE_GIFT, 'giving.gifts.errors.amount'),
  method: z.enum(OFFLINE_METHODS, { error: 'giving.gifts.errors.method' }),
  payer_name: optionalText(200).transform(normalizePayer),
  note: z
    .string({ error: 'giving.gifts.errors.invalid' })
    .optional()
    .transform((v) => (v ?? '').trim())
    .refine((v) => !hasControlCharacters(v), 'giving.gifts.errors.control')
    .refine((v) => v.length <= 500, 'giving.gifts.errors.tooLong'),
  supporter_id: z.string({ error: 'giving.gifts.errors.supporter' }).refine((v) => v === 'new' || uuid.test(v), 'giving.gifts.errors.supporter'),
});

export type NewSupporterFields = {
  familyName: string;
  givenName: string;
  familyNameKana: string;
  givenNameKana: string;
  organisationName: string;
  email: string;
};

export interface OfflineGiftForm {
  receivedOn: string;
  amount: number;
  method: OfflineMethod;
  payerName: string | null;
  note: string | null;
  supporter: { kind: 'existing'; id: string } | ({ kind: 'new' } & NewSupporterFields);
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

function collect(error: z.ZodError, into: Record<string, string>) {
  for (const [field, key] of Object.entries(issuesByField(error, /^giving\.gifts\./, 'giving.gifts.errors.invalid'))) into[field] ??= key;
}

/** Parses the offline gift form; the day must be a real Japan day, not in the future, not absurdly old. */
export function parseOfflineGift(body: unknown, today: string): Parsed<OfflineGiftForm> {
  const input = (body ?? {}) as Record<string, unknown>;
  const errors: Record<string, string> = {};
  const gift = giftSchema.safeParse(input);
  if (!gift.success) collect(gift.error, errors);
  const isNew = input.supporter_id === 'new';
  const person = isNew ? newSupporterSchema.safeParse(input) : undefined;
  if (person && !person.success) collect(person.error, errors);
  if (gift.success) {
    const range = checkGiftDay(gift.data.received_on, today);
    if (range) errors.received_on = range === 'future' ? 'giving.gifts.errors.dateFuture' : 'giving.gifts.errors.dateOld';
    const payer = gift.data.payer_name;
    if (payer === '' && gift.data.method === 'bank_transfer') errors.payer_name = 'giving.gifts.errors.payerRequired';
    else if (payer !== '' && !isBankPayerName(payer)) errors.payer_name = 'giving.gifts.errors.payer';
  }
  if (!gift.success || (person && !person.success) || Object.keys(errors).length > 0) return { ok: false, errors };
  const g = gift.data;
  const p = person?.success ? person.data : undefined;
  return {
    ok: true,
    value: {
      receivedOn: g.received_on,
      amount: g.amount,
      method: g.method,
      payerName: g.payer_name || null,
      note: g.note || null,
      supporter: p ? newSupporterOf(p) : { kind: 'existing', id: g.supporter_id },
    },
  };
}

const reasonSchema = z.object({
  reason: z
    .string({ error: 'giving.gifts.errors.reason' })
    .refine((v) => !hasControlCharacters(v), 'giving.gifts.errors.control')
    .transform((v) => v.trim())
    .refine((v) => v.length > 0, 'giving.gifts.errors.reason')
    .refine((v) => v.length <= 500, 'giving.gifts.errors.tooLong'),
});

/** Parses the reversal form: a reason is required. */
export function parseReversal(body: unknown): Parsed<{ reason: string }> {
  const parsed = reasonSchema.safeParse(body ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors: Record<string, string> = {};
  collect(parsed.error, errors);
  return { ok: false, errors };
}

/** The form's new-supporter fields as the supporter choice 'new'. */
function newSupporterOf(p: z.infer<typeof newSupporterSchema>): OfflineGiftForm['supporter'] {
  return {
    kind: 'new',
    familyName: p.new_family_name,
    givenName: p.new_given_name,
    familyNameKana: p.new_family_name_kana,
    givenNameKana: p.new_given_name_kana,
    organisationName: p.new_organisation_name,
    email: p.new_email,
  };
}

/** Parses a supporter choice alone: an existing supporter's id, or 'new' with name and email. */
export function parseSupporterChoice(body: unknown): Parsed<OfflineGiftForm['supporter']> {
  const input = (body ?? {}) as Record<string, unknown>;
  const id = input.supporter_id;
  if (typeof id === 'string' && uuid.test(id)) return { ok: true, value: { kind: 'existing', id } };
  if (id !== 'new') return { ok: false, errors: { supporter_id: 'giving.gifts.errors.supporter' } };
  const person = newSupporterSchema.safeParse(input);
  if (!person.success) {
    const errors: Record<string, string> = {};
    collect(person.error, errors);
    return { ok: false, errors };
  }
  return { ok: true, value: newSupporterOf(person.data) };
}

export type LineChoice = { kind: 'supporter'; supporterId: string } | { kind: 'new' } | { kind: 'skip' };

/**
 * The review form's choices: line_<id> = s:<supporter id> | new | skip; an empty value leaves the
 * line for later. Anything else makes the whole form invalid (undefined).
 */
export function parseLineChoices(body: unknown): Map<number, LineChoice> | undefined {
  const choices = new Map<number, LineChoice>();
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    const m = /^line_(\d{1,15})$/.exec(key);
    if (!m) continue;
    if (typeof value !== 'string') return undefined;
    if (value === '') continue;
    if (value === 'new' || value === 'skip') choices.set(Number(m[1]), { kind: value });
    else if (value.startsWith('s:') && uuid.test(value.slice(2))) choices.set(Number(m[1]), { kind: 'supporter', supporterId: value.slice(2).toLowerCase() });
    else return undefined;
  }
  return choices;
}
