import { z } from 'zod';
import type { Localized } from '../../config/organisation';

// Every email template: views/emails/<name>.{html,txt}.hbs with its subject `email.<name>.subject`.
// Names are stored in `emails.template`: a public contract, never renamed. Each template lists the
// params its email row keeps (ids and small values, checked when it is queued), the data an enricher
// adds when it is sent (`enriched`: src/emails.ts must give it one, or it does not compile), or, for
// a newsletter kind's message (`bulk`), the data its composer renders; and an example for the render test.

const localized = z.custom<Localized>((v) => typeof v === 'object' && v !== null && 'ja' in v);
const greeting = { name: z.string() };

/** A template that renders from its params alone. */
function plain<P extends z.ZodObject>(params: P, example: z.input<P>) {
  return { sent: 'queued' as const, params, data: undefined, example };
}

/** A template whose data an enricher loads from the ids in its params when the email is sent. */
function enriched<P extends z.ZodObject, D extends z.ZodObject>(params: P, data: D, example: z.input<P> & z.input<D>) {
  return { sent: 'queued' as const, params, data, example };
}

/** A newsletter kind's message: rendered by its composer for each recipient of a send, never queued alone. */
function bulk<D extends z.ZodObject>(data: D, example: z.input<D>) {
  return { sent: 'bulk' as const, params: z.object({}), data, example };
}

export const emailTemplates = {
  receipt: enriched(
    z.object({ donationId: z.string() }),
    z.object({ ...greeting, amount: z.number(), receivedAt: z.date(), receiptNumber: z.string().nullable(), description: z.string(), taxNote: localized, meUrl: z.string() }),
    {
      donationId: '00000000-0000-4000-8000-000000000001',
      name: '山田 花子',
      amount: 5000,
      receivedAt: new Date('2026-11-15T01:00:00Z'),
      receiptNumber: '2026-000123',
      description: '毎月の寄付（5,000円プラン）',
      taxNote: { ja: '寄付金控除の対象になりません。', en: 'This gift is not tax-deductible.' },
      meUrl: 'https://family.welgee.example/me',
    },
  ),
  welcome: enriched(z.object({ subscriptionId: z.string() }), z.object({ ...greeting, amount: z.number().optional(), meUrl: z.string() }), {
    subscriptionId: '00000000-0000-4000-8000-000000000002',
    name: '山田 花子',
    amount: 5000,
    meUrl: 'https://family.welgee.example/me',
  }),
  cancelled: enriched(z.object({ subscriptionId: z.string() }), z.object({ ...greeting, amount: z.number().optional(), joinUrl: z.string() }), {
    subscriptionId: '00000000-0000-4000-8000-000000000002',
    name: '山田 花子',
    amount: 5000,
    joinUrl: 'https://family.welgee.example/family',
  }),
  // The confirmations of a change the supporter made (My page or the Billing Portal), once per Stripe event.
  'plan-changed': enriched(
    z.object({ subscriptionId: z.string(), previousAmount: z.number().int(), amount: z.number().int(), appliesAt: z.string().nullable() }),
    z.object({ ...greeting, previousAmount: z.number(), amount: z.number(), effectiveAt: z.date().nullable(), meUrl: z.string() }),
    {
      subscriptionId: '00000000-0000-4000-8000-000000000002',
      name: '山田 花子',
      previousAmount: 5000,
      amount: 10000,
      appliesAt: '2027-01-01T15:00:00.000Z',
      effectiveAt: new Date('2027-01-01T15:00:00Z'),
      meUrl: 'https://family.welgee.example/me',
    },
  ),
  'cancel-scheduled': enriched(
    z.object({ subscriptionId: z.string(), amount: z.number().int(), stopsAt: z.string() }),
    z.object({ ...greeting, amount: z.number(), endsAt: z.date(), lastPaidAt: z.date().nullable(), meUrl: z.string() }),
    {
      subscriptionId: '00000000-0000-4000-8000-000000000002',
      name: '山田 花子',
      amount: 5000,
      stopsAt: '2027-01-01T15:00:00.000Z',
      endsAt: new Date('2027-01-01T15:00:00Z'),
      lastPaidAt: new Date('2026-12-01T15:00:00Z'),
      meUrl: 'https://family.welgee.example/me',
    },
  ),
  'cancel-undone': enriched(
    z.object({ subscriptionId: z.string(), amount: z.number().int(), nextChargeAt: z.string().nullable() }),
    z.object({ ...greeting, amount: z.number(), nextAt: z.date().nullable(), meUrl: z.string() }),
    {
      subscriptionId: '00000000-0000-4000-8000-000000000002',
      name: '山田 花子',
      amount: 5000,
      nextChargeAt: '2027-01-01T15:00:00.000Z',
      nextAt: new Date('2027-01-01T15:00:00Z'),
      meUrl: 'https://family.welgee.example/me',
    },
  ),
  'already-monthly': enriched(z.object({ plan: z.number().int() }), z.object({ ...greeting, amount: z.number().optional(), meUrl: z.string(), cardUrl: z.string() }), {
    plan: 5000,
    name: '山田 花子',
    amount: 1000,
    meUrl: 'https://family.welgee.example/me',
    cardUrl: 'https://family.welgee.example/me/card/abc',
  }),
  'payment-failed': enriched(z.object({ amount: z.number().int() }), z.object({ ...greeting, cardUrl: z.string() }), {
    amount: 5000,
    name: '山田 花子',
    cardUrl: 'https://family.welgee.example/me/card/abc',
  }),
  'login-link': enriched(z.object({ linkId: z.string() }), z.object({ ...greeting, linkUrl: z.string(), minutes: z.number(), meUrl: z.string() }), {
    linkId: '00000000-0000-4000-8000-000000000003',
    name: '山田 花子',
    linkUrl: 'https://family.welgee.example/me/link/abc',
    minutes: 30,
    meUrl: 'https://family.welgee.example/me',
  }),
  'newsletter-confirm': enriched(z.object({ signupId: z.string() }), z.object({ ...greeting, linkUrl: z.string(), days: z.number() }), {
    signupId: '00000000-0000-4000-8000-000000000004',
    name: '山田 花子',
    linkUrl: 'https://family.welgee.example/family/newsletter/confirm/x/y',
    days: 7,
  }),
  'newsletter-reminder': plain(z.object({ ...greeting, issueMonth: z.string(), year: z.number().int(), month: z.number().int(), slotAt: z.string(), days: z.number() }), {
    name: '佐藤',
    issueMonth: '2026-12',
    year: 2026,
    month: 12,
    slotAt: '2026-12-15T01:00:00.000Z',
    days: 5,
  }),
  'annual-report-draft': plain(z.object({ ...greeting, year: z.string() }), { name: '佐藤', year: '2026' }),
  'reconciliation-mismatch': plain(
    z.object({
      ...greeting,
      runId: z.string(),
      windowStart: z.string(),
      windowEnd: z.string(),
      total: z.number().int(),
      missingInLedger: z.number().int(),
      missingInStripe: z.number().int(),
      amountDiffers: z.number().int(),
    }),
    {
      name: '佐藤',
      runId: '00000000-0000-4000-8000-000000000005',
      windowStart: '2026-11-01T00:00:00.000Z',
      windowEnd: '2026-11-02T00:00:00.000Z',
      total: 3,
      missingInLedger: 1,
      missingInStripe: 1,
      amountDiffers: 1,
    },
  ),
  // Sent by staff to check that mail leaves (and by the outbox tests).
  'test-message': plain(z.object({ note: z.string().optional() }), { note: 'テスト' }),
  newsletter: bulk(z.object({ subject: z.string(), bodyHtml: z.string(), bodyText: z.string(), archiveUrl: z.string(), unsubscribeUrl: z.string() }), {
    subject: 'WELgeeファミリー通信 12月号',
    bodyHtml: '<p>いつもありがとうございます。</p>',
    bodyText: 'いつもありがとうございます。',
    archiveUrl: 'https://family.welgee.example/family/news?lang=ja',
    unsubscribeUrl: 'https://family.welgee.example/unsubscribe/abc',
  }),
  'annual-report': bulk(
    z.object({
      ...greeting,
      year: z.string(),
      total: z.number(),
      giftCount: z.number().int(),
      monthlyMonths: z.number().int(),
      figures: z.array(z.object({ label: z.string(), value: z.union([z.string(), z.number()]) })),
      narrativeHtml: z.string(),
      narrativeText: z.string(),
      receiptNumber: z.string(),
      taxNote: localized,
      meUrl: z.string(),
    }),
    {
      name: '山田 花子',
      year: '2026',
      total: 60000,
      giftCount: 12,
      monthlyMonths: 12,
      figures: [{ label: '就職した人', value: 12 }],
      narrativeHtml: '<p>ありがとうございました。</p>',
      narrativeText: 'ありがとうございました。',
      receiptNumber: 'A2026-000001',
      taxNote: { ja: '寄付金控除の対象になりません。', en: 'This gift is not tax-deductible.' },
      meUrl: 'https://family.welgee.example/me',
    },
  ),
};

type Templates = typeof emailTemplates;
export type EmailTemplate = keyof Templates;
/** Templates written as a row of `emails` by queueEmail and sent by the send-email job. */
export type QueuedTemplate = { [N in EmailTemplate]: Templates[N]['sent'] extends 'queued' ? N : never }[EmailTemplate];
/** Queued templates whose data an enricher adds at send time. */
export type EnrichedTemplate = { [N in EmailTemplate]: Templates[N]['data'] extends z.ZodObject ? (Templates[N]['sent'] extends 'queued' ? N : never) : never }[EmailTemplate];
export type EmailParams<N extends EmailTemplate> = z.infer<Templates[N]['params']>;
export type EmailData<N extends EnrichedTemplate> = z.infer<NonNullable<Templates[N]['data']>>;

/** Whether a stored name is one of the templates (rows keep it as plain text). */
export function isEmailTemplate(name: string): name is EmailTemplate {
  return Object.hasOwn(emailTemplates, name);
}

/** Checks an email's params against its template's schema; throws on a mismatch. */
export function parseEmailParams<N extends EmailTemplate>(name: N, params: unknown): EmailParams<N> {
  return emailTemplates[name].params.parse(params ?? {}) as EmailParams<N>;
}
