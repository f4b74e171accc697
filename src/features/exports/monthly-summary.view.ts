import type { CsvValue } from '../../lib/csv';
import { formatYen, t, type Locale, tDynamic, tOrValue } from '../../lib/i18n';
import type { Figures, MonthSummary } from './monthly-summary';

const PLANS = ['1000', '5000', '10000', 'one_time'];

function planLabel(locale: Locale, plan: string): string {
  return plan === 'one_time' ? t(locale, 'exports.plan.one_time') : t(locale, 'exports.plan.monthly', { amount: Number(plan).toLocaleString('ja-JP') });
}

function methodLabel(locale: Locale, method: string): string {
  return tOrValue(locale, 'giving.gifts.method.', method);
}

const yen = (f: Figures, locale: Locale) => ({
  count: f.count,
  gross: formatYen(f.gross, locale),
  fees: formatYen(f.fees, locale),
  refunds: formatYen(f.refunds, locale),
  net: formatYen(f.net, locale),
});

/** The summary page's data: the months, the year's total, and the split by plan and by method. */
export function summaryView(summary: { months: MonthSummary[]; year: Figures }, year: number, locale: Locale) {
  const methods = [...new Set(summary.months.flatMap((m) => Object.keys(m.byMethod)))].sort();
  const plans = PLANS.filter((p) => summary.months.some((m) => m.byPlan[p]));
  const gross = (f: Figures | undefined) => (f ? `${formatYen(f.gross, locale)}(${f.count})` : '–');
  return {
    year,
    previousYear: year - 1,
    nextYear: year + 1,
    isEmpty: summary.year.count === 0 && summary.year.refunds === 0,
    months: summary.months.map((m) => ({
      month: m.month,
      ...yen(m.total, locale),
      plans: plans.map((p) => gross(m.byPlan[p])),
      methods: methods.map((x) => gross(m.byMethod[x])),
    })),
    total: yen(summary.year, locale),
    planHeads: plans.map((p) => planLabel(locale, p)),
    methodHeads: methods.map((m) => methodLabel(locale, m)),
  };
}

/** The summary as CSV lines (header first): one line per month and group, numbers as plain yen. */
export function summaryCsvLines(summary: { months: MonthSummary[]; year: Figures }, locale: Locale): CsvValue[][] {
  const head = ['month', 'group', 'item', 'count', 'gross', 'fees', 'refunds', 'net'].map((c) => tDynamic(locale, 'exports.summary.col.', c));
  const line = (month: string, group: string, item: string, f: Figures): CsvValue[] => [month, group, item, f.count, f.gross, f.fees, f.refunds, f.net];
  const lines: CsvValue[][] = [head];
  for (const m of summary.months) {
    lines.push(line(m.month, t(locale, 'exports.summary.group.total'), '', m.total));
    for (const p of PLANS) if (m.byPlan[p]) lines.push(line(m.month, t(locale, 'exports.summary.group.plan'), planLabel(locale, p), m.byPlan[p]));
    for (const [method, f] of Object.entries(m.byMethod).sort()) lines.push(line(m.month, t(locale, 'exports.summary.group.method'), methodLabel(locale, method), f));
  }
  lines.push(line(t(locale, 'exports.summary.yearTotal'), t(locale, 'exports.summary.group.total'), '', summary.year));
  return lines;
}
