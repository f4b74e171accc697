import { z } from 'zod';
import type { FormFields } from '../../web/form-errors';
import { isoDay } from '../../lib/dates';
import { encodings } from './encoding';

export const formats = ['standard', 'freee', 'moneyforward', 'yayoi'] as const;
export type Format = (typeof formats)[number];
export const giftStatuses = ['paid', 'partially_refunded', 'refunded', 'disputed', 'reversed'] as const;
export type GiftStatus = (typeof giftStatuses)[number];
export const exportMethods = ['card', 'bank_transfer', 'cash', 'corporate'] as const;
export const exportPlans = ['1000', '5000', '10000', 'one_time'] as const;
export const supporterKinds = ['individual', 'organisation'] as const;

/** The longest range one export covers: ten years of the ledger. */
export const MAX_RANGE_DAYS = 3660;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'exports.errors.date')
  .refine((v) => isoDay(v) === v, 'exports.errors.date');
const optional = <T extends readonly [string, ...string[]]>(values: T, message: string) => z.preprocess((v) => (v === '' ? undefined : v), z.enum(values, { message }).optional());

/** What a donations export asks for: the days (Asia/Tokyo, inclusive), the file's shape and filters. */
export const donationsExportQuery = z
  .object({
    from: day,
    to: day,
    format: z.enum(formats, { message: 'exports.errors.format' }).default('standard'),
    encoding: z.enum(encodings, { message: 'exports.errors.encoding' }).default('utf8'),
    method: optional(exportMethods, 'exports.errors.method'),
    status: optional(giftStatuses, 'exports.errors.status'),
    plan: optional(exportPlans, 'exports.errors.plan'),
    kind: optional(supporterKinds, 'exports.errors.kind'),
  })
  .refine((q) => q.from <= q.to, { message: 'exports.errors.order', path: ['to'] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 <= MAX_RANGE_DAYS, { message: 'exports.errors.range', path: ['to'] });

export type DonationsExportQuery = z.infer<typeof donationsExportQuery>;
export type LedgerFilters = Omit<DonationsExportQuery, 'format' | 'encoding'>;

/** The export form's fields in page order (views/admin/exports/index.hbs). */
export const exportFormFields: FormFields = [
  ['from', 'exports.form.from'],
  ['to', 'exports.form.to'],
  ['format', 'exports.form.format'],
  ['encoding', 'exports.form.encoding'],
  ['method', 'exports.form.method'],
  ['status', 'exports.form.status'],
  ['plan', 'exports.form.plan'],
  ['kind', 'exports.form.kind'],
];

/** Field → message key of the first problem of each field. */
export function queryErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'from');
    const message = issue.message.startsWith('exports.') ? issue.message : `exports.errors.${field === 'from' || field === 'to' ? 'date' : field}`;
    errors[field] ??= message;
  }
  return errors;
}
