import Handlebars from 'handlebars';
import type { AuditEntry } from './audit.service';
import { formatYen, tOrValue, translateKey, type Locale } from '../../lib/i18n';
import type { MessagePrefix } from '../../locales/keys';

// An audit entry as a sentence a person reads ("佐藤さんが 山田 花子 さんの情報を閲覧しました"), its
// target linked to its page, and its details as labelled fields instead of JSON.

const isUuid = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
const escape = (text: string) => Handlebars.escapeExpression(text);

/** Where a target can be opened in the console, when it has a page. */
export function targetHref(type: string | null, id: string | null): string | undefined {
  if (type === 'settings') return '/admin/settings';
  if (type === 'reconciliation_run') return '/admin/reconciliation';
  if (!id || !isUuid(id)) return undefined;
  if (type === 'supporter') return `/admin/supporters/${id}`;
  if (type === 'donation') return `/admin/gifts/${id}`;
  if (type === 'newsletter') return `/admin/newsletters/${id}`;
  if (type === 'bank_import') return `/admin/imports/${id}`;
  return undefined;
}

/** The target in words: a supporter's name, a newsletter's subject, else what kind of thing it is. */
function targetText(locale: Locale, entry: Pick<AuditEntry, 'targetType' | 'targetId'>, names: Map<string, string>): string {
  const named = entry.targetId ? names.get(entry.targetId) : undefined;
  if (named) return named;
  return entry.targetType ? tOrValue(locale, 'audit.target.', entry.targetType) : '';
}

/** The entry's sentence as HTML: who (already a name) and the target, linked where it has a page. */
export function auditSentence(locale: Locale, entry: Pick<AuditEntry, 'action' | 'targetType' | 'targetId'>, who: string, names: Map<string, string>): Handlebars.SafeString {
  const target = targetText(locale, entry, names);
  const href = targetHref(entry.targetType, entry.targetId);
  const targetHtml = href && target ? `<a href="${escape(href)}">${escape(target)}</a>` : escape(target);
  const key = `audit.sentence.${entry.action}`;
  const template = translateKey(locale, key, { who: '\u0001', target: '\u0002' });
  const sentence = template === key ? `${translateKey(locale, 'audit.sentence.other', { who: '\u0001', target: '\u0002' })} (${entry.action})` : template;
  return new Handlebars.SafeString(
    escape(sentence)
      .replace('\u0001', `<strong>${escape(who)}</strong>`)
      .replace('\u0002', targetHtml),
  );
}

// Detail fields whose values are codes, and the messages that name them.
const valuePrefixes: Partial<Record<string, MessagePrefix>> = {
  sections: 'settings.section.',
  fields: 'supporters.field.',
  method: 'giving.gifts.method.',
  format: 'exports.format.',
  encoding: 'exports.encoding.',
  source: 'audit.value.',
  reason: 'audit.value.',
  scope: 'audit.value.',
  kind: 'audit.value.',
  queue: 'admin.jobs.queue.',
  job: 'admin.jobs.name.',
};

function valueText(locale: Locale, key: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return translateKey(locale, value ? 'audit.yes' : 'audit.no');
  if (Array.isArray(value)) return value.map((v) => valueText(locale, key, v)).join('、');
  if (typeof value === 'object') return JSON.stringify(value);
  const prefix = valuePrefixes[key];
  if (prefix) return tOrValue(locale, prefix, String(value));
  if (key === 'amount' && typeof value === 'number') return formatYen(value, locale);
  return String(value);
}

/** The entry's details, each a labelled field (unknown keys keep their own name). */
export function auditFields(locale: Locale, detail: unknown): { label: string; value: string }[] {
  if (!detail || typeof detail !== 'object') return [];
  return Object.entries(detail as Record<string, unknown>).map(([key, value]) => ({
    label: tOrValue(locale, 'audit.field.', key),
    value: valueText(locale, key, value).slice(0, 300),
  }));
}
