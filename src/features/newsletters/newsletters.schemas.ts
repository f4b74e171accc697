import { z } from 'zod';
import { audienceSchema, type Audience } from './audience';
import { deliveryStatuses, type DeliveryStatus } from './deliveries.repo';
import type { NewsletterContent } from './newsletters.repo';
import { now as clockNow } from '../../lib/clock';

// Form parsing for the newsletter console. Each failure is a message key shown next to its field.

export const MAX_SUBJECT = 200;
export const MAX_BODY = 50_000;
/** How far ahead a send may be scheduled. */
export const MAX_SCHEDULE_DAYS = 366;

// C0/C1 controls and the bidirectional overrides that can disguise text. Zero-width joiners stay
// allowed: emoji sequences need them. The body may also hold tabs and line breaks.
const BODY_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
const SUBJECT_CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

const subject = z
  .string({ error: 'newsletters.errors.invalid' })
  .refine((v) => !SUBJECT_CONTROL.test(v), 'newsletters.errors.control')
  .transform((v) => v.trim())
  .refine((v) => v.length <= MAX_SUBJECT, 'newsletters.errors.subjectTooLong');

const body = z
  .string({ error: 'newsletters.errors.invalid' })
  .transform((v) => v.replace(/\r\n?/g, '\n'))
  .refine((v) => !BODY_CONTROL.test(v), 'newsletters.errors.control')
  .refine((v) => v.length <= MAX_BODY, 'newsletters.errors.bodyTooLong')
  .transform((v) => v.replace(/\s+$/, ''));

const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => v ?? '', schema);

const composeSchema = z.object({
  subject_ja: optional(subject).refine((v) => v !== '', 'newsletters.errors.subjectRequired'),
  body_ja: optional(body).refine((v) => v.trim() !== '', 'newsletters.errors.bodyRequired'),
  subject_en: optional(subject),
  body_en: optional(body),
  issue_month: optional(
    z
      .string({ error: 'newsletters.errors.month' })
      .transform((v) => v.trim())
      .refine((v) => v === '' || isIssueMonth(v), 'newsletters.errors.month'),
  ),
});

/** What the compose form gives: the issue's content as the repo stores it. */
export type ComposeForm = NewsletterContent;

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

/** YYYY-MM between 2000 and 2100. */
function isIssueMonth(value: string): boolean {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(value);
  return Boolean(m && Number(m[1]) >= 2000 && Number(m[1]) <= 2100);
}

function collect(error: z.ZodError, into: Record<string, string>) {
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    if (!into[field]) into[field] = issue.message.startsWith('newsletters.') ? issue.message : 'newsletters.errors.invalid';
  }
}

/** The audience from the form's segment, plan, locale and tag fields; the error names the field at fault. */
export function parseAudience(input: Record<string, unknown>): Parsed<Audience> {
  const segment = input.segment ?? 'all';
  if (segment === 'tag' && typeof input.tag === 'string' && SUBJECT_CONTROL.test(input.tag)) return { ok: false, errors: { tag: 'newsletters.errors.tag' } };
  const parsed = audienceSchema.safeParse({ segment, plan: input.plan, locale: input.locale, tag: input.tag });
  if (parsed.success) return { ok: true, value: parsed.data as Audience };
  const field = String(parsed.error.issues[0]?.path[0] ?? 'segment');
  const known = ['plan', 'locale', 'tag'].includes(field) ? field : 'segment';
  return { ok: false, errors: { [known]: `newsletters.errors.${known}` } };
}

/**
 * Parses the compose form. Markdown is stored exactly as typed (script tags included): it is
 * rendered through the sanitiser every time it is shown, so nothing typed can run in a reader's mail.
 */
export function parseCompose(raw: unknown): Parsed<ComposeForm> {
  const input = (raw ?? {}) as Record<string, unknown>;
  const errors: Record<string, string> = {};
  const parsed = composeSchema.safeParse(input);
  if (!parsed.success) collect(parsed.error, errors);
  const audience = parseAudience(input);
  if (!audience.ok) Object.assign(errors, audience.errors);
  if (parsed.success) {
    // English readers get the English issue only when it has both a subject and a body.
    const { subject_en: s, body_en: b } = parsed.data;
    if (s !== '' && b.trim() === '') errors.body_en = 'newsletters.errors.englishBody';
    if (s === '' && b.trim() !== '') errors.subject_en = 'newsletters.errors.englishSubject';
  }
  if (!parsed.success || !audience.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  const f = parsed.data;
  return {
    ok: true,
    value: { subjectJa: f.subject_ja, bodyJa: f.body_ja, subjectEn: f.subject_en, bodyEn: f.body_en, issueMonth: f.issue_month || null, audience: audience.value },
  };
}

/** The draft as typed, for the live preview: never refused, only cut to the limits. */
export function previewDraft(raw: unknown): { subjectJa: string; bodyJa: string; subjectEn: string; bodyEn: string } {
  const input = (raw ?? {}) as Record<string, unknown>;
  const text = (v: unknown, max: number) => (typeof v === 'string' ? v.replace(/\r\n?/g, '\n').slice(0, max) : '');
  return {
    subjectJa: text(input.subject_ja, MAX_SUBJECT).trim(),
    bodyJa: text(input.body_ja, MAX_BODY),
    subjectEn: text(input.subject_en, MAX_SUBJECT).trim(),
    bodyEn: text(input.body_en, MAX_BODY),
  };
}

/** The instant of a Japan day (YYYY-MM-DD) and time (HH:MM), or undefined when either is not real. */
export function tokyoInstant(day: string, time: string): Date | undefined {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const t = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!d || !t) return undefined;
  const at = new Date(`${day}T${time}:00+09:00`);
  // 2026-02-30 rolls over to March: a day that does not exist is refused, not moved.
  return !Number.isNaN(at.getTime()) && tokyoParts(at).day === day ? at : undefined;
}

/** A day and time in Japan as form values. */
export function tokyoParts(at: Date): { day: string; time: string } {
  const parts = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  const [day, time] = parts.split(' ');
  return { day: day!, time: time! };
}

const scheduleSchema = z.object({
  send_on: z.string({ error: 'newsletters.errors.day' }).max(10, 'newsletters.errors.day'),
  send_at: z.string({ error: 'newsletters.errors.time' }).max(5, 'newsletters.errors.time'),
});

/** Parses the schedule form (a day and time in Japan): it must be in the future and within a year. */
export function parseSchedule(raw: unknown, now = clockNow()): Parsed<Date> {
  const parsed = scheduleSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    collect(parsed.error, errors);
    return { ok: false, errors };
  }
  const { send_on: day, send_at: time } = parsed.data;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || tokyoInstant(day, '00:00') === undefined) return { ok: false, errors: { send_on: 'newsletters.errors.day' } };
  const at = tokyoInstant(day, time);
  if (!at) return { ok: false, errors: { send_at: 'newsletters.errors.time' } };
  if (at.getTime() <= now.getTime()) return { ok: false, errors: { send_on: 'newsletters.errors.past' } };
  if (at.getTime() > now.getTime() + MAX_SCHEDULE_DAYS * 86_400_000) return { ok: false, errors: { send_on: 'newsletters.errors.tooFar' } };
  return { ok: true, value: at };
}

export const testLanguages = ['both', 'ja', 'en'] as const;
export type TestLanguage = (typeof testLanguages)[number];

/** The test send's language choice. */
export function parseTestLanguage(raw: unknown): TestLanguage | undefined {
  const value = ((raw ?? {}) as Record<string, unknown>).lang ?? 'both';
  return (testLanguages as readonly unknown[]).includes(value) ? (value as TestLanguage) : undefined;
}

/** The delivery list's filter and page from the query; anything unknown falls back to all, page 1. */
export function parseDeliveryQuery(query: Record<string, unknown>): { status?: DeliveryStatus; page: number } {
  const status = (deliveryStatuses as readonly unknown[]).includes(query.status) ? (query.status as DeliveryStatus) : undefined;
  const page = typeof query.page === 'string' && /^\d{1,6}$/.test(query.page) ? Math.max(1, Number(query.page)) : 1;
  return { status, page };
}

export const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
