// Parsing of the values an offline gift is made of (yen, Japan days, bank payer names), shared by
// the gift form and the bank statement reader.

import { tokyoDay } from '../../lib/dates';
import { hasControlCharacters, toKatakana } from '../../lib/text';
import { now as clockNow } from '../../lib/clock';

export const MIN_OFFLINE_GIFT = 1;
export const MAX_OFFLINE_GIFT = 10_000_000;
/** Gifts older than this many calendar years are refused as typing mistakes (e.g. 2062 → 2026 slips). */
export const MAX_AGE_YEARS = 10;
export const MAX_PAYER_LENGTH = 60;

/**
 * An integer number of yen from what people type or banks export: full-width digits, commas,
 * a yen sign or 円 are accepted; decimals other than .0/.00, signs and words are not.
 * Returns undefined when the text is not a whole non-negative number.
 */
export function parseYen(raw: string): number | undefined {
  const value = raw
    .normalize('NFKC')
    .replace(/[\s,円¥￥]/g, '')
    .replace(/\.0{1,2}$/, '');
  if (!/^\d{1,12}$/.test(value)) return undefined;
  return Number(value);
}

const ERAS: Record<string, number> = { R: 2018, 令和: 2018, H: 1988, 平成: 1988 };

function isoDay(year: number, month: number, day: number): string | undefined {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * A calendar day as YYYY-MM-DD from 2026-11-05, 2026/11/05, 2026.11.05, 20261105, 2026年11月5日,
 * or the 令和/平成 era forms R8.11.05, R08/11/05, 令和8年11月5日 (full-width digits too).
 */
export function parseDay(raw: string): string | undefined {
  const value = raw.normalize('NFKC').trim().toUpperCase();
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(value) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (m) return isoDay(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(R|H|令和|平成)\s*(\d{1,2}|元)[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(value);
  if (m) {
    const year = ERAS[m[1]!]! + (m[2] === '元' ? 1 : Number(m[2]));
    return isoDay(year, Number(m[3]), Number(m[4]));
  }
  return undefined;
}

/** Today in Japan, YYYY-MM-DD. */
export function todayInTokyo(now = clockNow()): string {
  return tokyoDay(now);
}

/** 'future' or 'tooOld' when a gift day cannot be right; undefined when it can. */
export function checkGiftDay(day: string, today: string): 'future' | 'tooOld' | undefined {
  if (day > today) return 'future';
  if (day < `${Number(today.slice(0, 4)) - MAX_AGE_YEARS}-01-01`) return 'tooOld';
  return undefined;
}

/** The instant a gift of a Japan day is booked at: 00:00 in Tokyo, so its day and year never shift. */
export function startOfTokyoDay(day: string): Date {
  return new Date(`${day}T00:00:00+09:00`);
}

/**
 * The payer as the bank writes it, in full-width katakana: half-width kana widened, hiragana made
 * katakana, Latin letters upper-cased, spaces folded. Control characters are the caller's concern.
 */
export function normalizePayer(raw: string): string {
  return toKatakana(raw).toUpperCase();
}

/** True when a payer name uses only what Japanese banks print: katakana, A–Z, digits, spaces and ().-/,「」. */
export function isBankPayerName(value: string): boolean {
  return value.length > 0 && value.length <= MAX_PAYER_LENGTH && !hasControlCharacters(value) && /^[\u30A1-\u30FA\u30FC\u30FB A-Z0-9().\-/,「」]+$/.test(value);
}
