import type { HelperOptions } from 'handlebars';
import { formatDate, formatDateTime, formatYen, isLocale, pick, translateKey, type Locale } from './i18n';

function localeOf(options: HelperOptions): Locale {
  const root = options.data?.root as { locale?: unknown } | undefined;
  return isLocale(root?.locale) ? root.locale : 'ja';
}

/** Handlebars helpers shared by pages and emails. */
export const viewHelpers = {
  /** {{t "home.title" name=value}} — translated text in the page's locale. */
  t(key: string, options: HelperOptions) {
    return translateKey(localeOf(options), key, options.hash as Record<string, string | number>);
  },
  /** {{pick setting}} — the current locale's side of a bilingual setting. */
  pick(text: { ja: string; en: string } | undefined, options: HelperOptions) {
    return text ? pick(text, localeOf(options)) : '';
  },
  /** {{yen 5000}} — ¥5,000 */
  yen(amount: number, options: HelperOptions) {
    return formatYen(amount, localeOf(options));
  },
  /** {{number 502}} — 502 with digit grouping */
  number(value: number) {
    return new Intl.NumberFormat('ja-JP').format(value);
  },
  /** {{date value}} — a day in Asia/Tokyo */
  date(value: Date | string, options: HelperOptions) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? '' : formatDate(d, localeOf(options));
  },
  /** {{datetime value}} — a day and time in Asia/Tokyo */
  datetime(value: Date | string, options: HelperOptions) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? '' : formatDateTime(d, localeOf(options));
  },
  /** {{string 5000}} — "5000", to compare numbers with form values */
  string(value: unknown) {
    return String(value);
  },
  /** {{t (concat "me.subStatus." status)}} — joins strings, to build a message key */
  concat(...args: unknown[]) {
    return args.slice(0, -1).map(String).join('');
  },
  eq(a: unknown, b: unknown) {
    return a === b;
  },
};
