import fs from 'node:fs';
import path from 'node:path';
import ja from '../locales/ja.json';
import en from '../locales/en.json';
import { projectPath } from './project-root';

export const locales = ['ja', 'en'] as const;
export type Locale = (typeof locales)[number];

// ja is the source of truth; en is checked against it by a test (same keys, none empty).
// Features may keep their messages in src/locales/<feature>.<locale>.json; they are merged in.
const catalogs: Record<Locale, Record<string, string>> = { ja: { ...ja }, en: { ...en } };
const localesDir = projectPath('src', 'locales');
for (const file of fs.readdirSync(localesDir).sort()) {
  const match = /^[a-z-]+\.(ja|en)\.json$/.exec(file);
  if (match) Object.assign(catalogs[match[1] as Locale], JSON.parse(fs.readFileSync(path.join(localesDir, file), 'utf8')));
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

/** Translates a dotted key, filling {name} placeholders; falls back to Japanese, then the key. */
export function t(locale: Locale, key: string, params: Record<string, string | number> = {}): string {
  const template = catalogs[locale][key] ?? catalogs.ja[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The messages of one locale (for tests and the browser). */
export function catalog(locale: Locale): Readonly<Record<string, string>> {
  return catalogs[locale];
}

/** Picks the Japanese or English text of a bilingual setting, falling back to Japanese when empty. */
export function pick(text: { ja: string; en: string }, locale: Locale): string {
  return (locale === 'en' && text.en.trim() !== '' ? text.en : text.ja) ?? '';
}

const yen = {
  ja: new Intl.NumberFormat('ja-JP', { style: 'currency', currency: 'JPY' }),
  en: new Intl.NumberFormat('en-US', { style: 'currency', currency: 'JPY' }),
};
/** Formats an integer number of yen: ￥5,000 in Japanese, ¥5,000 in English. */
export function formatYen(amount: number, locale: Locale = 'ja'): string {
  return yen[locale].format(amount);
}

/** Formats a date in Asia/Tokyo for people: 2026年11月22日 / 22 Nov 2026. */
export function formatDate(date: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: locale === 'ja' ? 'long' : 'short',
    day: 'numeric',
  }).format(date);
}

/** Formats a date and time in Asia/Tokyo: 2026/11/22 10:05. */
export function formatDateTime(date: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: 'Asia/Tokyo',
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(date);
}
