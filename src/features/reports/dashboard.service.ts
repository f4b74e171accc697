import type { Db } from '../../db/client';
import { tokyoDay } from '../../lib/dates';
import { countMonthlySupporters, displayName } from '../supporters';
import {
  countCancelledMonthly,
  countFailedPayments,
  countStartedMonthly,
  selectFailedPayments,
  selectLapsed,
  sumLedgerByMonth,
  sumOneTimeGifts,
  sumRecurring,
} from './dashboard.repo';
import { dayBefore, firstDayOf, fiscalYearStart, monthsEndingWith, startOfTokyoDay, tokyoMonth, yearBefore } from './periods';
import { now as clockNow } from '../../lib/clock';

/** The fiscal year starts in April unless told otherwise (DESIGN.md D9). */
export const FISCAL_YEAR_START_MONTH = 4;
export const CHART_MONTHS = 12;
const LIST_LIMIT = 20;

export interface MonthPoint {
  month: string;
  gifts: number;
  giftCount: number;
  takeBacks: number;
  net: number;
}

export interface Dashboard {
  /** YYYY-MM (Japan) the "this month" figures are about */
  month: string;
  monthlySupporters: number;
  recurring: { count: number; amount: number };
  startedThisMonth: number;
  cancelledThisMonth: number;
  failedPayments: { count: number; rows: { supporterId: string; name: string; email: string; status: string; amount: number; since: Date }[] };
  oneTimeThisMonth: { count: number; amount: number };
  series: MonthPoint[];
  seriesTotal: { gifts: number; takeBacks: number; net: number };
  lapsed: {
    /** first days of the previous and the current fiscal year, and the last day of the previous one */
    lastYearFrom: string;
    lastYearTo: string;
    thisYearFrom: string;
    count: number;
    rows: { supporterId: string; name: string; status: string; lastGiftOn: string; total: number }[];
  };
  /** true when the ledger and the subscriptions are both empty: the page shows a getting-started note */
  isEmpty: boolean;
}

/** Every figure of the staff dashboard at `now`, months and fiscal years counted in Japan time. */
export async function loadDashboard(db: Db, opts: { now?: Date; fiscalYearStartMonth?: number } = {}): Promise<Dashboard> {
  const now = opts.now ?? clockNow();
  const month = tokyoMonth(now);
  const monthFrom = firstDayOf(month);
  const monthTo = firstDayOf(month, 1);
  const months = monthsEndingWith(month, CHART_MONTHS);
  const thisYearFrom = fiscalYearStart(tokyoDay(now), opts.fiscalYearStartMonth ?? FISCAL_YEAR_START_MONTH);
  const lastYearFrom = yearBefore(thisYearFrom);

  // Sequential on purpose: PGlite is a single connection, and each query is small.
  const monthlySupporters = await countMonthlySupporters(db);
  const recurring = await sumRecurring(db);
  const startedThisMonth = await countStartedMonthly(db, startOfTokyoDay(monthFrom), startOfTokyoDay(monthTo));
  const cancelledThisMonth = await countCancelledMonthly(db, startOfTokyoDay(monthFrom), startOfTokyoDay(monthTo));
  const failedCount = await countFailedPayments(db);
  const failedRows = failedCount > 0 ? await selectFailedPayments(db, LIST_LIMIT) : [];
  const oneTimeThisMonth = await sumOneTimeGifts(db, monthFrom, monthTo);
  const totals = await sumLedgerByMonth(db, firstDayOf(months[0]!), monthTo);
  const lapsed = await selectLapsed(db, lastYearFrom, thisYearFrom, LIST_LIMIT);

  const byMonth = new Map(totals.map((t) => [t.month, t]));
  const series = months.map((m) => {
    const t = byMonth.get(m) ?? { gifts: 0, giftCount: 0, takeBacks: 0 };
    return { month: m, gifts: t.gifts, giftCount: t.giftCount, takeBacks: t.takeBacks, net: t.gifts + t.takeBacks };
  });
  const seriesTotal = series.reduce((sum, p) => ({ gifts: sum.gifts + p.gifts, takeBacks: sum.takeBacks + p.takeBacks, net: sum.net + p.net }), { gifts: 0, takeBacks: 0, net: 0 });

  return {
    month,
    monthlySupporters,
    recurring,
    startedThisMonth,
    cancelledThisMonth,
    failedPayments: {
      count: failedCount,
      rows: failedRows.map((r) => ({ supporterId: r.supporterId, name: displayName(r), email: r.email, status: r.status, amount: r.amount, since: r.since })),
    },
    oneTimeThisMonth,
    series,
    seriesTotal,
    lapsed: {
      lastYearFrom,
      lastYearTo: dayBefore(thisYearFrom),
      thisYearFrom,
      count: lapsed.count,
      rows: lapsed.rows.map((r) => ({ supporterId: r.supporterId, name: displayName(r), status: r.status, lastGiftOn: r.lastGiftOn, total: r.total })),
    },
    isEmpty: monthlySupporters === 0 && recurring.count === 0 && series.every((p) => p.giftCount === 0 && p.takeBacks === 0) && lapsed.count === 0,
  };
}
