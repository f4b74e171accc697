import crypto from 'node:crypto';
import { formatDate, formatYen, t, type Locale, tOrValue, type MessagePrefix } from '../../lib/i18n';
import { prefectureLabel, prefectures } from './prefectures';
import type { loadSupporterPage } from './supporters.admin.service';
import type { MergePreview } from './supporters.merge.service';
import type { Supporter } from './supporters.repo';
import { displayName } from './supporters.service';
import type { SupporterListRow } from './supporters.search.repo';

// Turns rows into what the console templates print: labels in the page's language, no logic in views.
// Every value stays plain text; the templates escape it ({{ }} only).

/** The translation of prefix.value when there is one, else the stored value itself (e.g. a new email template). */
export function label(locale: Locale, prefix: MessagePrefix, value: string | null | undefined): string {
  return value ? tOrValue(locale, prefix, value) : '';
}

type Person = Pick<Supporter, 'kind' | 'organisationName' | 'familyName' | 'givenName' | 'familyNameKana' | 'givenNameKana'>;

function nameParts(s: Person) {
  const kana = [s.familyNameKana, s.givenNameKana].filter(Boolean).join(' ');
  const person = `${s.familyName} ${s.givenName}`.trim();
  return { name: displayName(s), kana, person: s.kind === 'organisation' && s.organisationName ? person : '' };
}

/** One row of the list. */
export function listRow(row: SupporterListRow, locale: Locale) {
  return {
    ...row,
    ...nameParts(row),
    status: label(locale, 'supporters.status.', row.status),
    statusClass: row.status,
    language: label(locale, 'supporters.language.', row.locale),
  };
}

/** The prefecture select's options, the current value marked. */
export function prefectureOptions(locale: Locale, current: string | undefined) {
  return prefectures.map(([ja, en]) => ({ value: ja, label: locale === 'en' ? en : ja, selected: ja === current }));
}

/** The supporter's profile as the page shows it. */
export function profileView(s: Supporter, locale: Locale) {
  return {
    ...s,
    ...nameParts(s),
    status: label(locale, 'supporters.status.', s.status),
    statusClass: s.status,
    kindLabel: label(locale, 'supporters.kind.', s.kind),
    language: label(locale, 'supporters.language.', s.locale),
    prefectureLabel: s.prefecture ? prefectureLabel(s.prefecture, locale) : '',
  };
}

const RECENT_GIFTS = 12;
/** The latest ledger rows shown at once; older ones behind "show more". */
function splitRecent<T>(rows: T[]): { donations: T[]; olderDonations: T[] } {
  return { donations: rows.slice(0, RECENT_GIFTS), olderDonations: rows.slice(RECENT_GIFTS) };
}

type SupporterPage = Awaited<ReturnType<typeof loadSupporterPage>>;

/** The plan history as timeline rows, newest first: a start after an earlier subscription reads as a restart. */
function historyView(page: SupporterPage, locale: Locale) {
  const created = new Map(page.subscriptions.map((s) => [s.id, s.createdAt.getTime()]));
  const isRestart = (subscriptionId: string) => page.subscriptions.some((s) => s.id !== subscriptionId && s.createdAt.getTime() < (created.get(subscriptionId) ?? 0));
  const perMonth = (amount: number) => t(locale, 'supporters.history.perMonth', { amount: formatYen(amount, locale) });
  return page.history
    .map((h) => {
      const kind = h.kind === 'started' && isRestart(h.subscriptionId) ? 'restarted' : h.kind;
      return {
        ...h,
        isStop: kind === 'cancel_scheduled' || kind === 'ended',
        title: t(locale, `supporters.history.${kind}`, { amount: perMonth(h.amount), previous: h.previousAmount === null ? '' : perMonth(h.previousAmount) }),
        detail: h.effectiveAt && kind !== 'started' && kind !== 'restarted' ? t(locale, `supporters.history.${kind}On`, { date: formatDate(h.effectiveAt, locale) }) : '',
      };
    })
    .reverse();
}

/** Everything on the supporter page, labelled. */
export function detailView(page: SupporterPage, locale: Locale) {
  const takenBack = new Set(page.donations.filter((d) => d.entry !== 'gift' && d.relatedDonationId).map((d) => d.relatedDonationId));
  return {
    summary: page.summary,
    ...splitRecent(
      page.donations.map((d) => ({
        ...d,
        entryLabel: label(locale, 'supporters.entry.', d.entry),
        methodLabel: label(locale, 'supporters.method.', d.method),
        channelLabel: label(locale, 'supporters.channel.', d.channel),
        frequencyLabel: label(locale, 'supporters.frequency.', d.frequency),
        isTakeBack: d.entry !== 'gift',
        // Quick actions: a receipt for any receipted gift not taken back; a refund for card gifts.
        hasReceipt: d.entry === 'gift' && Boolean(d.receiptNumber) && !takenBack.has(d.id),
        canRefund: d.entry === 'gift' && d.channel === 'stripe' && d.method === 'card' && Boolean(d.stripeChargeId) && !takenBack.has(d.id),
        sendKey: crypto.randomUUID(),
      })),
    ),
    subscriptions: page.subscriptions.map((s) => {
      const isStopping = s.status !== 'canceled' && (s.cancelAtPeriodEnd || s.cancelAt !== null);
      return {
        ...s,
        statusLabel: label(locale, 'supporters.subscriptionStatus.', s.status),
        isLive: ['active', 'past_due', 'trialing', 'unpaid'].includes(s.status),
        isStopping,
        // Stripe sets canceled_at when a stop is asked for, not when it happens: the stop date is
        // cancel_at (the period end for cancel_at_period_end), and ended_at once it has ended.
        stopsAt: isStopping ? (s.cancelAt ?? s.currentPeriodEnd) : null,
        endedAt: s.status === 'canceled' ? (s.endedAt ?? s.canceledAt) : null,
      };
    }),
    history: historyView(page, locale),
    consents: page.consents.map((c) => ({ ...c, purposeLabel: label(locale, 'supporters.purpose.', c.purpose), sourceLabel: label(locale, 'supporters.source.', c.source) })),
    emails: page.emails.map((e) => ({ ...e, templateLabel: label(locale, 'supporters.template.', e.template), statusLabel: label(locale, 'supporters.emailStatus.', e.status) })),
    // Emails that failed for good are shown on top: nothing retries them, so staff must act (fix the address).
    failedEmails: page.emails
      .filter((e) => e.status === 'failed')
      .map((e) => ({ ...e, templateLabel: label(locale, 'supporters.template.', e.template), failedAt: e.failedAt ?? e.createdAt })),
    notes: page.notes,
    cancelReasons: page.cancelReasons,
    tags: page.tags.map((tag) => ({ tag, href: `/admin/supporters?${new URLSearchParams({ tag }).toString()}` })),
    merges: page.merges.map((m) => {
      const snapshot = (m.snapshot ?? {}) as { supporter?: Partial<Supporter>; moved?: { donations?: number; donationTotal?: number } };
      const was = snapshot.supporter ?? {};
      return {
        ...m,
        name: `${was.familyName ?? ''} ${was.givenName ?? ''}`.trim() || (was.organisationName ?? ''),
        email: was.email ?? '',
        donations: snapshot.moved?.donations ?? 0,
        donationTotal: snapshot.moved?.donationTotal ?? 0,
      };
    }),
  };
}

/** The merge preview, labelled. */
export function mergeView(preview: MergePreview, locale: Locale) {
  return {
    kept: profileView(preview.kept, locale),
    duplicate: profileView(preview.duplicate, locale),
    moves: preview.moves,
    fills: preview.fills.map((f) => t(locale, `supporters.field.${f}`)),
    stripe: t(locale, `supporters.merge.stripe.${preview.stripe}`),
  };
}
