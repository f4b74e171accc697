import crypto from 'node:crypto';
import type { Response } from 'express';
import type { NewsletterSettings } from '../../../config/organisation';
import { formatDateTime, formatYen, t, type Locale, tOrValue } from '../../lib/i18n';
import { segments, type Audience } from './audience';
import type { DeliveryCounts, Newsletter } from './newsletters.repo';
import { deliveryStatuses, type DeliveryStatus } from './deliveries.repo';
import { MAX_BODY, MAX_SUBJECT, tokyoParts } from './newsletters.schemas';
import { issueSlotFor } from './rhythm';
import type { DeliveryProgress } from './sending.service';
import { now as clockNow } from '../../lib/clock';

// What the console's newsletter pages show, computed from rows: labels, times in Japan, progress.

/** The audience in words: 「毎月の支援者」, 「¥5,000/月のプラン」, 「タグ: 企業」. */
export function audienceLabel(locale: Locale, audience: Audience): string {
  switch (audience.segment) {
    case 'plan':
      return t(locale, 'newsletters.audience.planLabel', { amount: formatYen(audience.plan, locale) });
    case 'locale':
      return t(locale, 'newsletters.audience.localeLabel', { language: t(locale, `newsletters.language.${audience.locale}`) });
    case 'tag':
      return t(locale, 'newsletters.audience.tagLabel', { tag: audience.tag });
    case 'gave_in_year':
      return t(locale, 'newsletters.audience.gaveInYear', { year: audience.year });
    default:
      return t(locale, `newsletters.audience.${audience.segment}`);
  }
}

/** The audience as form values. */
export function audienceValues(audience: Audience): Record<string, string> {
  const values: Record<string, string> = { segment: audience.segment };
  if (audience.segment === 'plan') values.plan = String(audience.plan);
  if (audience.segment === 'locale') values.locale = audience.locale;
  if (audience.segment === 'tag') values.tag = audience.tag;
  return values;
}

/** A stored issue as compose form values. */
export function formValues(n: Newsletter): Record<string, string> {
  return { subject_ja: n.subjectJa, body_ja: n.bodyJa, subject_en: n.subjectEn, body_en: n.bodyEn, issue_month: n.issueMonth ?? '', ...audienceValues(n.audience) };
}

const at = (locale: Locale, value: Date | null) => (value ? formatDateTime(value, locale) : undefined);

/** The facts of an issue every page shows. */
export function newsletterView(locale: Locale, n: Newsletter) {
  const hasEnglish = n.subjectEn.trim() !== '' && n.bodyEn.trim() !== '';
  return {
    id: n.id,
    subject: n.subjectJa,
    subjectEn: hasEnglish ? n.subjectEn : undefined,
    hasEnglish,
    status: n.status,
    statusLabel: t(locale, `newsletters.status.${n.status}`),
    issueMonth: n.issueMonth,
    audienceLabel: audienceLabel(locale, n.audience),
    isAllAudience: n.audience.segment === 'all',
    scheduledAt: at(locale, n.scheduledAt),
    startedAt: at(locale, n.startedAt),
    finishedAt: at(locale, n.finishedAt),
    updatedAt: at(locale, n.updatedAt),
    isEditable: n.status === 'draft' || n.status === 'scheduled' || n.status === 'held',
    isDraft: n.status === 'draft',
    isScheduled: n.status === 'scheduled',
    /** Its time came while the footer had no postal address: waiting for staff to send it. */
    isHeld: n.status === 'held',
    /** A time is set that can be cancelled (scheduled or held). */
    hasSchedule: n.status === 'scheduled' || n.status === 'held',
    isSending: n.status === 'sending',
    isPaused: n.status === 'paused',
    isSent: n.status === 'sent',
    hasStarted: n.status === 'sending' || n.status === 'paused' || n.status === 'sent',
    isHidden: n.hiddenFromArchive,
    /** The send of a year's impact report: its content lives on the report's page. */
    reportYear: n.kind === 'annual_report' && n.audience.segment === 'gave_in_year' ? n.audience.year : undefined,
  };
}

/** One line of the issue list. */
export function listRow(locale: Locale, n: Newsletter & { counts: DeliveryCounts }, audienceCount?: number) {
  const view = newsletterView(locale, n);
  return {
    ...view,
    when: view.finishedAt ?? view.startedAt ?? view.scheduledAt,
    whenLabel: t(
      locale,
      n.finishedAt ? 'newsletters.list.finished' : n.startedAt ? 'newsletters.list.started' : n.scheduledAt ? 'newsletters.list.scheduled' : 'newsletters.list.notScheduled',
    ),
    counts: n.counts,
    hasCounts: n.counts.total > 0,
    audienceCount,
    hasAudienceCount: audienceCount !== undefined,
  };
}

/** The progress bar's figures: done is sent + failed + skipped; the percentage reaches 100 only when nothing is left. */
export function progressView(p: DeliveryProgress, status: Newsletter['status']) {
  const done = p.sent + p.failed + p.skipped;
  const remaining = Math.max(0, p.total - done);
  const percent = p.total === 0 ? (status === 'sent' ? 100 : 0) : remaining === 0 ? 100 : Math.min(99, Math.floor((done / p.total) * 100));
  return {
    status,
    sent: p.sent,
    failed: p.failed,
    skipped: p.skipped,
    queued: p.queued,
    sending: p.sending,
    total: p.total,
    done,
    remaining,
    percent,
    isFinished: status === 'sent',
  };
}

/** The status filter of the delivery list, with counts. */
export function deliveryFilters(locale: Locale, id: string, p: DeliveryProgress, current: DeliveryStatus | undefined) {
  const link = (status?: string) => `/admin/newsletters/${id}${status ? `?status=${status}` : ''}#deliveries`;
  return [
    { label: t(locale, 'newsletters.deliveries.all'), count: p.total, href: link(), isCurrent: current === undefined },
    ...deliveryStatuses.map((s) => ({ label: t(locale, `newsletters.delivery.${s}`), count: p[s], href: link(s), isCurrent: current === s })),
  ];
}

export interface DeliveryRow {
  id: number;
  email: string;
  locale: string;
  status: DeliveryStatus;
  attempts?: number;
  sentAt?: Date | null;
  reason?: string | null;
  supporterId?: string;
  name?: string | null;
}

/** One recipient's line: status label, when, why it failed or was skipped. */
export function deliveryRow(locale: Locale, d: DeliveryRow) {
  return {
    ...d,
    statusLabel: t(locale, `newsletters.delivery.${d.status}`),
    languageLabel: t(locale, `newsletters.language.${d.locale === 'en' ? 'en' : 'ja'}`),
    sentAt: d.sentAt ? formatDateTime(new Date(d.sentAt), locale) : undefined,
    hasReason: Boolean(d.reason) && (d.status === 'failed' || d.status === 'skipped'),
    reasonLabel: d.reason ? reasonLabel(locale, d.reason) : undefined,
  };
}

/**
 * The link table of a sent issue: each address with its unique clickers and total clicks. Links of the
 * body not registered yet (the first messages are still being made) are listed with no clicks.
 */
export function clicksView(counted: { url: string; uniqueClicks: number; totalClicks: number }[], bodyLinks: string[]) {
  const known = new Set(counted.map((c) => c.url));
  const rows = [...counted, ...[...new Set(bodyLinks)].filter((url) => !known.has(url)).map((url) => ({ url, uniqueClicks: 0, totalClicks: 0 }))];
  return { rows, isEmpty: rows.length === 0 };
}

/** One recipient's line for the issue page's live list: the words it shows, nothing more. */
export function deliveryJson(locale: Locale, d: DeliveryRow) {
  const row = deliveryRow(locale, d);
  return {
    id: row.id,
    supporterId: row.supporterId,
    name: row.name,
    email: row.email,
    language: row.languageLabel,
    status: row.status,
    statusLabel: row.statusLabel,
    attempts: row.attempts ? t(locale, 'newsletters.deliveries.attempts', { count: row.attempts }) : '',
    sentAt: row.sentAt ?? '',
    reason: row.hasReason ? (row.reasonLabel ?? '') : '',
  };
}

// Known skip reasons are words the sending side writes; an SMTP reply is shown as it came.
function reasonLabel(locale: Locale, reason: string): string {
  return tOrValue(locale, 'newsletters.reason.', reason);
}

const PLANS = [1000, 5000, 10000] as const;

/**
 * The tag choices, each with the number a send would reach now: 「企業（12人）」. A tag chosen before
 * that no supporter carries any more stays choosable (with 0), so an old draft opens as it was saved.
 */
export function tagOptions(locale: Locale, counts: { tag: string; count: number }[], chosen: string | undefined) {
  const all = chosen && !counts.some((c) => c.tag === chosen) ? [...counts, { tag: chosen, count: 0 }] : counts;
  return all.map(({ tag, count }) => ({
    value: tag,
    count,
    label: t(locale, 'newsletters.audience.tagOption', { tag, count: count.toLocaleString('ja-JP') }),
    selected: tag === chosen,
  }));
}

/** The compose form: where it posts, its values, the audience choices. */
export function composeView(locale: Locale, newsletter: Newsletter | undefined, values: Record<string, string>, tagCounts: { tag: string; count: number }[]) {
  const segment = values.segment ?? 'all';
  return {
    newsletter: newsletter ? newsletterView(locale, newsletter) : undefined,
    action: newsletter ? `/admin/newsletters/${newsletter.id}` : '/admin/newsletters',
    cancelUrl: newsletter ? `/admin/newsletters/${newsletter.id}` : '/admin/newsletters',
    values,
    segments: segments.map((value) => ({ value, label: t(locale, `newsletters.audience.${value}`), checked: value === segment })),
    plans: PLANS.map((amount) => ({
      value: String(amount),
      label: t(locale, 'newsletters.audience.planLabel', { amount: formatYen(amount, locale) }),
      selected: String(amount) === values.plan,
    })),
    locales: (['ja', 'en'] as const).map((value) => ({ value, label: t(locale, `newsletters.language.${value}`), selected: value === values.locale })),
    tags: tagOptions(locale, tagCounts, values.tag),
    savedPreviewUrl: newsletter ? `/admin/newsletters/${newsletter.id}/preview?version=ja` : undefined,
    maxSubject: MAX_SUBJECT,
    maxBody: MAX_BODY,
    maxBodyLabel: MAX_BODY.toLocaleString('ja-JP'),
  };
}

/**
 * The schedule form's starting values: the time already set (unless it has passed: a held issue), else
 * the month's slot of the monthly rhythm (when still ahead), else tomorrow at the rhythm's time. The
 * archive box: as chosen with the schedule, else ticked only for an issue to everyone (as on the send page).
 */
export function scheduleDefaults(n: Newsletter, settings: Partial<NewsletterSettings> | undefined, now = clockNow()): Record<string, string> {
  const public_archive = (n.archiveOnSend ?? n.audience.segment === 'all') ? 'on' : '';
  return { ...scheduleTime(n, settings, now), public_archive };
}

function scheduleTime(n: Newsletter, settings: Partial<NewsletterSettings> | undefined, now: Date): Record<string, string> {
  const min = tokyoParts(now).day;
  if (n.scheduledAt && n.scheduledAt.getTime() > now.getTime()) {
    const p = tokyoParts(n.scheduledAt);
    return { send_on: p.day, send_at: p.time, min };
  }
  const slot = n.issueMonth ? issueSlotFor(settings ?? {}, n.issueMonth) : undefined;
  if (slot && slot.getTime() > now.getTime()) {
    const p = tokyoParts(slot);
    return { send_on: p.day, send_at: p.time, min };
  }
  const tomorrow = tokyoParts(new Date(now.getTime() + 86_400_000)).day;
  const configured = settings?.issueTime ?? '';
  const time = /^\d{2}:\d{2}$/.test(configured) ? configured : '10:00';
  return { send_on: tomorrow, send_at: time, min };
}

const unescape = (v: string) =>
  v
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * The policy the email preview is served under: nothing runs, nothing is fetched but images, no form
 * posts, framed only by the console. The email's own style attributes (from our templates: the
 * sanitiser lets none through from Markdown) are allowed by their hashes, never 'unsafe-inline'.
 */
export function previewPolicy(html: string): string {
  const hashes = new Set<string>();
  for (const m of html.matchAll(/\sstyle="([^"]*)"/g)) hashes.add(`'sha256-${crypto.createHash('sha256').update(unescape(m[1]!)).digest('base64')}'`);
  return [
    "default-src 'none'",
    'img-src https: data:',
    `style-src-attr 'unsafe-hashes' ${[...hashes].join(' ')}`.trim(),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
    'sandbox allow-popups allow-popups-to-escape-sandbox',
  ].join('; ');
}

/** Answers with an email as a document of its own, under `previewPolicy` (shown in a sandboxed frame). */
export function sendEmailPreview(res: Response, html: string): void {
  res.setHeader('Content-Security-Policy', previewPolicy(html));
  res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  res.setHeader('Cache-Control', 'no-store');
  res.type('html').send(html);
}
