import { z } from 'zod';
import { emailField } from '../../lib/email-address';
import { checkbox, kana, name, text } from '../supporters';
import { issuesByField, type FormFields } from '../../web/form-errors';

// Form parsing for /family/join and /give. Each failure carries a message key shown next to its field.

const personFields = {
  kind: z
    .enum(['individual', 'organisation'], { error: 'giving.errors.invalid' })
    .optional()
    .transform((v) => v ?? 'individual'),
  organisation_name: text(100)
    .optional()
    .transform((v) => v ?? ''),
  email: emailField({ required: 'giving.errors.required', invalid: 'giving.errors.email', notText: 'giving.errors.invalid' }),
  family_name: name,
  given_name: name,
  family_name_kana: kana,
  given_name_kana: kana,
  locale: z
    .enum(['ja', 'en'], { error: 'giving.errors.invalid' })
    .optional()
    .transform((v) => v ?? 'ja'),
  newsletter: checkbox,
  privacy: checkbox.refine((v) => v, 'giving.errors.privacy'),
};

const requireOrganisationName = (v: { kind: string; organisation_name: string }, ctx: z.RefinementCtx) => {
  if (v.kind === 'organisation' && !v.organisation_name) ctx.addIssue({ code: 'custom', path: ['organisation_name'], message: 'giving.errors.required' });
};

export const joinSchema = z
  .object({
    ...personFields,
    plan: z.enum(['1000', '5000', '10000'], { error: 'giving.errors.plan' }).transform(Number),
  })
  .superRefine(requireOrganisationName);

export const MIN_GIFT = 500;
export const MAX_GIFT = 1_000_000;

export const giveSchema = z
  .object({
    ...personFields,
    amount: z
      .string({ error: 'giving.errors.amount' })
      .optional()
      .transform((v) => v ?? ''),
    custom_amount: z
      .string({ error: 'giving.errors.amount' })
      .optional()
      .transform((v) => v ?? ''),
  })
  .superRefine(requireOrganisationName)
  .transform((v, ctx) => {
    const raw = (v.amount === 'other' ? v.custom_amount : v.amount).normalize('NFKC').replace(/[,円¥￥\s]/g, '');
    const amount = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(amount) || amount < MIN_GIFT || amount > MAX_GIFT) {
      ctx.addIssue({ code: 'custom', path: [v.amount === 'other' ? 'custom_amount' : 'amount'], message: 'giving.errors.amount' });
      return z.NEVER;
    }
    return { ...v, amount };
  });

export type JoinForm = z.infer<typeof joinSchema>;
export type GiveForm = z.infer<typeof giveSchema>;

/** Field → message key for the first problem of each field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  return issuesByField(error, /^giving\./, 'giving.errors.invalid');
}

/** The person's fields in the order the form shows them (views/partials/person-fields.hbs). */
export const personFieldOrder: FormFields = [
  ['kind', 'giving.form.kind'],
  ['organisation_name', 'form.field.organisationName'],
  ['family_name', 'form.field.familyName'],
  ['given_name', 'form.field.givenName'],
  ['family_name_kana', 'form.field.familyNameKana'],
  ['given_name_kana', 'form.field.givenNameKana'],
  ['email', 'form.field.email'],
  ['newsletter', 'giving.form.newsletter'],
  ['privacy', 'giving.form.privacy'],
];

/** The join form's fields in page order. */
export const joinFields: FormFields = [['plan', 'giving.form.plan'], ...personFieldOrder];

/** The one-time gift form's fields in page order. */
export const giveFields: FormFields = [['amount', 'giving.give.amount'], ['custom_amount', 'giving.give.customAmount'], ...personFieldOrder];
