import { formatDate, t, type Locale } from '../../lib/i18n';
import type { Dashboard } from './dashboard.service';

// Turns the dashboard figures into what the template and the chart script need (labels in the
// visitor's language; money stays integer yen and is formatted with Intl in both places).

const monthFormats: Record<Locale, { long: Intl.DateTimeFormat; short: Intl.DateTimeFormat }> = {
  ja: {
    long: new Intl.DateTimeFormat('ja-JP', { timeZone: 'UTC', year: 'numeric', month: 'long' }),
    short: new Intl.DateTimeFormat('ja-JP', { timeZone: 'UTC', year: '2-digit', month: 'short' }),
  },
  en: {
    long: new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', year: 'numeric', month: 'long' }),
    short: new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', year: '2-digit', month: 'short' }),
  },
};

const monthDate = (month: string) => new Date(`${month}-01T00:00:00Z`);
const dayDate = (day: string) => new Date(`${day}T12:00:00+09:00`);

/** "2026年11月" / "November 2026" for a YYYY-MM month. */
export function monthLabel(month: string, locale: Locale, style: 'long' | 'short' = 'long'): string {
  return monthFormats[locale][style].format(monthDate(month));
}

/** The data the chart script reads from the page (a data-* attribute, never inline script). */
export function chartData(d: Dashboard, locale: Locale) {
  return {
    locale: locale === 'ja' ? 'ja-JP' : 'en-US',
    labels: d.series.map((p) => monthLabel(p.month, locale, 'short')),
    net: d.series.map((p) => p.net),
    takeBacks: d.series.map((p) => p.takeBacks),
    netLabel: t(locale, 'reports.chart.net'),
    takeBacksLabel: t(locale, 'reports.chart.takeBacks'),
    hasTakeBacks: d.series.some((p) => p.takeBacks !== 0),
  };
}

/** Everything views/admin/dashboard.hbs shows. */
export function dashboardView(d: Dashboard, locale: Locale) {
  const fiscalYear = (from: string) => Number(from.slice(0, 4));
  return {
    ...d,
    monthName: monthLabel(d.month, locale),
    series: d.series.map((p) => ({ ...p, label: monthLabel(p.month, locale) })),
    hasSeries: d.series.some((p) => p.giftCount > 0 || p.takeBacks !== 0),
    hasTakeBacks: d.series.some((p) => p.takeBacks !== 0),
    chartJson: JSON.stringify(chartData(d, locale)),
    chartRange: t(locale, 'reports.chart.range', { from: monthLabel(d.series[0]!.month, locale), to: monthLabel(d.month, locale) }),
    lapsedPeriod: t(locale, 'reports.lapsed.period', {
      last: fiscalYear(d.lapsed.lastYearFrom),
      lastFrom: formatDate(dayDate(d.lapsed.lastYearFrom), locale),
      lastTo: formatDate(dayDate(d.lapsed.lastYearTo), locale),
      current: fiscalYear(d.lapsed.thisYearFrom),
    }),
    lapsedRows: d.lapsed.rows.map((r) => ({ ...r, lastGift: formatDate(dayDate(r.lastGiftOn), locale) })),
    hasFailedMore: d.failedPayments.count > d.failedPayments.rows.length,
    hasLapsedMore: d.lapsed.count > d.lapsed.rows.length,
  };
}
