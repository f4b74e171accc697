import type { Db } from '../../db/client';
import { t, tOrValue, type Locale, translateKey } from '../../lib/i18n';
import { pageHref, PAGE_SIZE, parseAuditQuery } from './audit.filters';
import { selectStaffNames, selectTargetNames } from './audit.repo';
import { auditFields, auditSentence, targetHref } from './audit.sentences';
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
/** One page of the audit log for the query string, with every filter problem reported. */
export async function browseAudit(db: Db, query: Record<string, unknown>, locale: Locale) {
  const q = parseAuditQuery(query);
  const staff = await selectStaffNames(db);
  const names = new Map(staff.map((s) => [s.id, s]));
  const rows = await listAudit(db, q.filter, PAGE_SIZE + 1, (q.page - 1) * PAGE_SIZE);
  const hasNext = rows.length > PAGE_SIZE;
  const isFiltered = Object.keys(q.filter).length > 0;
  const idsOf = (type: string) => [...new Set(rows.filter((r) => r.targetType === type && r.targetId && /^[0-9a-f-]{36}$/i.test(r.targetId)).map((r) => r.targetId!))];
  const targetNames = await selectTargetNames(db, { supporters: idsOf('supporter'), newsletters: idsOf('newsletter') });

  const entries = rows.slice(0, PAGE_SIZE).map((row) => {
    const who = row.staffId ? names.get(row.staffId) : undefined;
    const whoName = who ? t(locale, 'audit.honorific', { name: who.name }) : row.staffId ? t(locale, 'audit.unknownStaff') : t(locale, 'audit.system');
    return {
      id: row.id,
      at: row.at.toISOString(),
      when: timeFormats[locale].format(row.at),
      who: whoName,
      sentence: auditSentence(locale, row, whoName, targetNames),
      whoEmail: who?.email,
      whoHref: row.staffId ? pageHref({ ...q.values, staff: row.staffId }, 1) : undefined,
      action: row.action,
      actionLabel: tOrValue(locale, 'audit.action.', row.action),
      actionHref: pageHref({ ...q.values, action: row.action }, 1),
      targetType: row.targetType,
      targetTypeLabel: row.targetType ? tOrValue(locale, 'audit.target.', row.targetType) : undefined,
      targetId: row.targetId,
      targetHref: targetHref(row.targetType, row.targetId),
      targetFilterHref: row.targetType ? pageHref({ ...q.values, targetType: row.targetType, targetId: row.targetId ?? '' }, 1) : undefined,
      fields: auditFields(locale, row.detail),
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
