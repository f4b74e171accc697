import { z } from 'zod';
import { issuesByField, type FormFields } from '../../web/form-errors';
import { emailField } from '../../lib/email-address';
import { cleanText, hasControlCharacters } from '../../lib/text';
import { checkbox, kana, name, phone, postalCode, prefecture, text } from './person-fields';
import { sorts, statuses, type SupporterSearch } from './supporters.search.repo';

// Console forms and the list's query string. The profile rules are the public join form's
// (src/features/giving/giving.schemas.ts), with its messages, plus the fields only staff edit.

const optionalText = (max: number) =>
  text(max)
    .optional()
    .transform((v) => v ?? '');

/** The profile form (add by hand and edit). */
export const profileSchema = z
  .object({
    kind: z
      .enum(['individual', 'organisation'], { error: 'giving.errors.invalid' })
      .optional()
      .transform((v) => v ?? 'individual'),
    organisation_name: optionalText(100),
    email: emailField({ required: 'giving.errors.required', invalid: 'giving.errors.email', notText: 'giving.errors.invalid' }),
    family_name: name,
    given_name: name,
    family_name_kana: kana,
    given_name_kana: kana,
    locale: z
      .enum(['ja', 'en'], { error: 'giving.errors.invalid' })
      .optional()
      .transform((v) => v ?? 'ja'),
    postal_code: postalCode,
    prefecture,
    address: optionalText(200),
    phone,
    newsletter: checkbox,
    /** Why staff subscribe someone who had unsubscribed (required then; kept with the consent). */
    newsletter_reason: optionalText(300),
    postal_mail: checkbox,
  })
  .superRefine((v, ctx) => {
    if (v.kind === 'organisation' && !v.organisation_name) ctx.addIssue({ code: 'custom', path: ['organisation_name'], message: 'giving.errors.required' });
  });

export type ProfileForm = z.infer<typeof profileSchema>;

export const noteSchema = z.object({
  body: z
    .string({ error: 'giving.errors.invalid' })
    // Newlines are welcome in a note; other control characters are not.
    .refine((v) => !hasControlCharacters(v), 'giving.errors.control')
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .refine((v) => v.length > 0, 'giving.errors.required')
    .refine((v) => v.length <= 2000, 'giving.errors.tooLong'),
});

export const tagSchema = z.object({
  tag: text(30)
    .refine((v) => v.length > 0, 'giving.errors.required')
    .refine((v) => !/[<>{}\\]/.test(v), 'giving.errors.characters'),
});

/** Field → message key for the first problem of each field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  return issuesByField(error, /^(giving|supporters)\./, 'giving.errors.invalid');
}

/** The console's supporter form fields in page order (views/admin/supporters/form.hbs). */
export const supporterFormFields: FormFields = [
  ['kind', 'supporters.filter.kind'],
  ['organisation_name', 'supporters.field.organisationName'],
  ['family_name', 'supporters.field.familyName'],
  ['given_name', 'supporters.field.givenName'],
  ['family_name_kana', 'supporters.field.familyNameKana'],
  ['given_name_kana', 'supporters.field.givenNameKana'],
  ['email', 'supporters.col.email'],
  ['locale', 'supporters.filter.language'],
  ['postal_code', 'supporters.field.postalCode'],
  ['prefecture', 'supporters.field.prefecture'],
  ['address', 'supporters.field.address'],
  ['phone', 'supporters.field.phone'],
  ['newsletter', 'supporters.form.newsletter'],
  ['newsletter_reason', 'supporters.form.newsletterReason'],
  ['postal_mail', 'supporters.form.postalMail'],
];

const listParams = ['q', 'status', 'plan', 'newsletter', 'language', 'tag', 'kind', 'sort', 'page'] as const;
type ListParam = (typeof listParams)[number];

/**
 * The list's query string: each value is checked; a bad one is named in `invalid` (the page then
 * answers 400 and says which filter to fix) and left out of the search.
 */
export function parseListQuery(query: Record<string, unknown>): { search: SupporterSearch; values: Partial<Record<ListParam, string>>; invalid: ListParam[] } {
  const search: SupporterSearch = {};
  const values: Partial<Record<ListParam, string>> = {};
  const invalid: ListParam[] = [];
  for (const param of listParams) {
    const raw = query[param];
    if (raw === undefined || raw === '') continue;
    if (typeof raw !== 'string') {
      invalid.push(param);
      continue;
    }
    values[param] = raw.slice(0, 200);
    const ok = ((): boolean => {
      switch (param) {
        case 'q':
          if (raw.length > 200 || hasControlCharacters(raw)) return false;
          search.q = raw;
          return true;
        case 'status':
          return pick(statuses, raw, (v) => (search.status = v));
        case 'plan':
          if (!/^\d{1,7}$/.test(raw.normalize('NFKC')) || Number(raw.normalize('NFKC')) < 1) return false;
          search.plan = Number(raw.normalize('NFKC'));
          return true;
        case 'newsletter':
          return pick(['yes', 'no'] as const, raw, (v) => (search.newsletter = v === 'yes'));
        case 'language':
          return pick(['ja', 'en'] as const, raw, (v) => (search.locale = v));
        case 'tag':
          if (raw.length > 30 || hasControlCharacters(raw)) return false;
          search.tag = cleanText(raw);
          return true;
        case 'kind':
          return pick(['individual', 'organisation'] as const, raw, (v) => (search.kind = v));
        case 'sort':
          return pick(sorts, raw, (v) => (search.sort = v));
        case 'page':
          if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1) return false;
          search.page = Number(raw);
          return true;
      }
    })();
    if (!ok) {
      invalid.push(param);
      delete values[param];
    }
  }
  return { search, values, invalid };
}

function pick<T extends string>(allowed: readonly T[], raw: string, set: (v: T) => void): boolean {
  if (!(allowed as readonly string[]).includes(raw)) return false;
  set(raw as T);
  return true;
}
