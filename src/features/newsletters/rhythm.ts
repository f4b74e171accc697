import { defaultSettings, type NewsletterSettings } from '../../../config/organisation';
import { tokyoDay } from '../../lib/dates';

// The monthly rhythm of 「WELgeeファミリー通信」: each month's issue goes out on the same day and time in
// Japan. Japan keeps no summer time, so a Tokyo wall-clock time is always UTC+9.

const TOKYO_OFFSET_MS = 9 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export type SlotSettings = Pick<NewsletterSettings, 'issueDay' | 'issueTime'>;
export type RhythmSettings = Pick<NewsletterSettings, 'issueDay' | 'issueTime' | 'reminderDaysBefore'>;

/** The rhythm as numbers. */
export interface Rhythm {
  day: number;
  hour: number;
  minute: number;
  reminderDays: number;
}

/** A month's issue time: the month (YYYY-MM, Japan) and the instant. */
export interface IssueSlot {
  month: string;
  at: Date;
}

function wholeNumber(text: string | undefined, min: number, max: number): number | undefined {
  if (typeof text !== 'string' || !/^\d{1,4}$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return n >= min && n <= max ? n : undefined;
}

function clock(text: string | undefined): { hour: number; minute: number } | undefined {
  const m = typeof text === 'string' ? /^(\d{1,2}):(\d{2})$/.exec(text.trim()) : null;
  if (!m) return undefined;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  return hour <= 23 && minute <= 59 ? { hour, minute } : undefined;
}

const fallback = defaultSettings.newsletter;

/**
 * The rhythm as numbers. The settings form allows nothing else, but a value stored before its rules
 * existed falls back to the default rather than stopping every month's issue.
 */
export function readRhythm(settings: Partial<RhythmSettings>): Rhythm {
  const day = wholeNumber(settings.issueDay, 1, 28) ?? wholeNumber(fallback.issueDay, 1, 28)!;
  const time = clock(settings.issueTime) ?? clock(fallback.issueTime)!;
  const reminderDays = wholeNumber(settings.reminderDaysBefore, 0, 27) ?? wholeNumber(fallback.reminderDaysBefore, 0, 27)!;
  return { day, ...time, reminderDays };
}

/** True for a month written YYYY-MM. */
export function isIssueMonth(text: unknown): text is string {
  return typeof text === 'string' && /^\d{4}-(0[1-9]|1[0-2])$/.test(text);
}

/** The month in Japan of an instant, as YYYY-MM. */
export function tokyoMonth(instant: Date): string {
  return tokyoDay(instant).slice(0, 7);
}

/** The month n months after (or before, when negative) a YYYY-MM month. */
export function addMonths(month: string, n: number): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (m - 1) + n;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** When a month's issue goes out: day issueDay at issueTime, Asia/Tokyo (e.g. '2026-05' → 2026-05-15 10:00 JST). */
export function issueSlotFor(settings: Partial<SlotSettings>, month: string): Date {
  if (!isIssueMonth(month)) throw new RangeError(`not a month: ${month}`);
  const { day, hour, minute } = readRhythm(settings);
  const [year, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, m - 1, day, hour, minute) - TOKYO_OFFSET_MS);
}

/** The next issue time after now: this month's slot in Japan while it is still to come, else next month's. */
export function nextIssueSlot(settings: Partial<SlotSettings>, now: Date): IssueSlot {
  const month = tokyoMonth(now);
  const at = issueSlotFor(settings, month);
  if (at.getTime() > now.getTime()) return { month, at };
  const next = addMonths(month, 1);
  return { month: next, at: issueSlotFor(settings, next) };
}

/**
 * The slot whose reminder is due now: from reminderDaysBefore days (of 24 hours) before the next slot
 * until the slot itself; undefined outside that window. 0 days turns the reminder off.
 */
export function reminderSlot(settings: Partial<RhythmSettings>, now: Date): IssueSlot | undefined {
  const { reminderDays } = readRhythm(settings);
  if (reminderDays === 0) return undefined;
  const slot = nextIssueSlot(settings, now);
  return slot.at.getTime() - now.getTime() <= reminderDays * DAY_MS ? slot : undefined;
}
