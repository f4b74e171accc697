import type { Db } from '../../db/client';
import { t, type Locale, translateKey } from '../../lib/i18n';
import { pageHref, PAGE_SIZE, parseAuditQuery } from './audit.filters';
import { selectStaffNames } from './audit.repo';
import { listAudit } from './audit.service';

// The audit page: one page of entries, newest first, with who, when (Japan time), what and on what.

const timeFormats: Record<Locale, Intl.DateTimeFormat> = {
  ja: new Intl.DateTimeFormat('ja-JP', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }),
  en: new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }),
};
const DETAIL_MAX = 600;
const isUuid = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

/** Where a target can be opened in the console, when it has a page. */
function targetHref(type: string | null, id: string | null): string | undefined {
  if (type === 'supporter' && id && isUuid(id)) return `/admin/supporters/${id}`;
  if (type === 'settings') return '/admin/settings';
  return undefined;
}

function detailText(detail: unknown): string {
  if (!detail || typeof detail !== 'object' || Object.keys(detail).length === 0) return '';
  const text = JSON.stringify(detail);
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX)}…` : text;
}

/** One page of the audit log for the query string, with every filter problem reported. */
export async function browseAudit(db: Db, query: Record<string, unknown>, locale: Locale) {
  const q = parseAuditQuery(query);
  const staff = await selectStaffNames(db);
  const names = new Map(staff.map((s) => [s.id, s]));
  const rows = await listAudit(db, q.filter, PAGE_SIZE + 1, (q.page - 1) * PAGE_SIZE);
  const hasNext = rows.length > PAGE_SIZE;
  const isFiltered = Object.keys(q.filter).length > 0;

  const entries = rows.slice(0, PAGE_SIZE).map((row) => {
    const who = row.staffId ? names.get(row.staffId) : undefined;
    return {
      id: row.id,
      at: row.at.toISOString(),
      when: timeFormats[locale].format(row.at),
      who: who ? who.name : row.staffId ? t(locale, 'audit.unknownStaff') : t(locale, 'audit.system'),
      whoEmail: who?.email,
      whoHref: row.staffId ? pageHref({ ...q.values, staff: row.staffId }, 1) : undefined,
      action: row.action,
      actionHref: pageHref({ ...q.values, action: row.action }, 1),
      targetType: row.targetType,
      targetId: row.targetId,
      targetHref: targetHref(row.targetType, row.targetId),
      targetFilterHref: row.targetType ? pageHref({ ...q.values, targetType: row.targetType, targetId: row.targetId ?? '' }, 1) : undefined,
      detail: detailText(row.detail),
      ip: row.ip,
    };
  });

  return {
    values: q.values,
    problems: q.problems.map((key) => translateKey(locale, key)),
    staffOptions: staff.map((s) => ({ id: s.id, label: `${s.name} <${s.email}>${s.isActive ? '' : ` (${t(locale, 'audit.inactive')})`}`, isSelected: s.id === q.values.staff })),
    entries,
    page: q.page,
    isFiltered,
    prevHref: q.page > 1 ? pageHref(q.values, q.page - 1) : undefined,
    nextHref: hasNext ? pageHref(q.values, q.page + 1) : undefined,
    range: entries.length > 0 ? { first: (q.page - 1) * PAGE_SIZE + 1, last: (q.page - 1) * PAGE_SIZE + entries.length } : undefined,
  };
}
