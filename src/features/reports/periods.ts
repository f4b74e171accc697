import { tokyoDay } from '../../lib/dates';

// Calendar arithmetic on Japan days (YYYY-MM-DD) and months (YYYY-MM): no time zone maths needed
// once the day is known, because Japan has no daylight saving time.

const pad = (n: number) => String(n).padStart(2, '0');

/** YYYY-MM of a (year, month) pair, with month overflowing into the next or previous year. */
export function monthKey(year: number, month: number): string {
  const d = new Date(Date.UTC(year, month - 1, 1));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
}

/** The first day (YYYY-MM-DD) of the month `offset` months after the given YYYY-MM. */
export function firstDayOf(month: string, offset = 0): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return `${monthKey(y, m + offset)}-01`;
}

/** The instant a Japan day starts (00:00 in Asia/Tokyo). */
export function startOfTokyoDay(day: string): Date {
  return new Date(`${day}T00:00:00+09:00`);
}

/** The Japan month (YYYY-MM) of an instant. */
export function tokyoMonth(instant: Date): string {
  return tokyoDay(instant).slice(0, 7);
}

/** The `count` months ending with `last` (YYYY-MM), oldest first. */
export function monthsEndingWith(last: string, count: number): string[] {
  const [y, m] = last.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, i) => monthKey(y, m - (count - 1) + i));
}

/** The first day of the fiscal year containing the Japan day, for a year starting in `startMonth`. */
export function fiscalYearStart(day: string, startMonth: number): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  const year = m >= startMonth ? y : y - 1;
  return `${year}-${pad(startMonth)}-01`;
}

/** The same day one year earlier (only used on first-of-month days). */
export function yearBefore(day: string): string {
  return `${Number(day.slice(0, 4)) - 1}${day.slice(4)}`;
}

/** The day before a Japan day. */
export function dayBefore(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}
