import { hasControlCharacters } from '../../lib/text';
import type { AuditFilter } from './audit.service';

// The audit page's query string, checked field by field: a bad value is left out of the filter
// and reported, and the page still shows (never a 500 for a hand-edited URL).

export const PAGE_SIZE = 50;
const MAX_PAGE = 2000;

export interface AuditQuery {
  /** what the filter form shows again */
  values: { staff: string; action: string; targetType: string; targetId: string; from: string; to: string };
  filter: AuditFilter;
  page: number;
  /** message keys of the values that were ignored */
  problems: string[];
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A real calendar day written YYYY-MM-DD, or undefined. */
export function parseDay(value: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  const isReal = date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  return isReal && y >= 2000 && y <= 2100 ? value : undefined;
}

/** The instant a Japan day starts, `days` days after the given one. */
function tokyoMidnight(day: string, days = 0): Date {
  const start = new Date(`${day}T00:00:00+09:00`);
  return new Date(start.getTime() + days * 86_400_000);
}

/** Reads the audit page's filters from the query string (Japan days; `to` is inclusive). */
export function parseAuditQuery(query: Record<string, unknown>): AuditQuery {
  const problems = new Set<string>();
  const text = (name: string, max: number, pattern: RegExp): string => {
    const raw = query[name];
    if (raw === undefined || raw === '') return '';
    if (typeof raw !== 'string') {
      problems.add(`audit.problems.${name}`);
      return '';
    }
    const value = raw.trim();
    if (value.length > max || hasControlCharacters(value) || !pattern.test(value)) {
      problems.add(`audit.problems.${name}`);
      return '';
    }
    return value;
  };

  const staff = text('staff', 36, uuid);
  const action = text('action', 100, /^[a-z0-9_.:-]*$/i);
  const targetType = text('targetType', 50, /^[a-z0-9_.:-]*$/i);
  const targetId = text('targetId', 200, /^[^\s<>]*$/);
  const fromRaw = text('from', 10, /^[0-9-]+$/);
  const toRaw = text('to', 10, /^[0-9-]+$/);
  let from = fromRaw && parseDay(fromRaw);
  let to = toRaw && parseDay(toRaw);
  if (fromRaw && !from) problems.add('audit.problems.from');
  if (toRaw && !to) problems.add('audit.problems.to');
  if (from && to && from > to) {
    problems.add('audit.problems.range');
    from = undefined;
    to = undefined;
  }

  let page = 1;
  const rawPage = query.page;
  if (rawPage !== undefined) {
    const n = typeof rawPage === 'string' && /^\d{1,5}$/.test(rawPage) ? Number(rawPage) : NaN;
    if (Number.isInteger(n) && n >= 1 && n <= MAX_PAGE) page = n;
    else problems.add('audit.problems.page');
  }

  const filter: AuditFilter = {};
  if (staff) filter.staffId = staff;
  if (action) filter.action = action;
  if (targetType) filter.targetType = targetType;
  if (targetId) filter.targetId = targetId;
  if (from) filter.from = tokyoMidnight(from);
  if (to) filter.to = tokyoMidnight(to, 1);

  return {
    values: { staff, action, targetType, targetId, from: from || '', to: to || '' },
    filter,
    page,
    problems: [...problems],
  };
}

/** The query string of the same filters on another page. */
export function pageHref(values: AuditQuery['values'], page: number): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  if (page > 1) params.set('page', String(page));
  const qs = params.toString();
  return qs ? `/admin/audit?${qs}` : '/admin/audit';
}
