import { and, asc, between, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { donations } from '../../db/schema';

/** One ledger row of the year as a combined receipt lists it: gifts positive, money given back negative. */
export interface YearLine {
  date: Date;
  day: string;
  entry: 'gift' | 'refund' | 'dispute' | 'reversal';
  amount: number;
  method: string;
  frequency: 'monthly' | 'one_time';
  planAmount: number | null;
}

/** A supporter's giving in one calendar year (January–December in Japan time), from the ledger. */
export interface YearGiving {
  year: number;
  lines: YearLine[];
  /** Every row summed: gifts less refunds, disputes and reversals (yen). */
  total: number;
  /** Gifts received (refunds are not gifts). */
  giftCount: number;
  /** Months in which a monthly gift arrived. */
  monthlyMonths: number;
}

/** The calendar year's first and last day (the ledger's `received_on` is already the day in Japan). */
export const yearDays = (year: number) => ({ from: `${year}-01-01`, to: `${year}-12-31` });

/** Every ledger row of the supporter dated in the year, oldest first, and what they add up to. */
export async function givingInYear(tx: Tx, supporterId: string, year: number): Promise<YearGiving> {
  const { from, to } = yearDays(year);
  const rows = await tx
    .select({
      date: donations.receivedAt,
      day: donations.receivedOn,
      entry: donations.entry,
      amount: donations.amount,
      method: donations.method,
      frequency: donations.frequency,
      planAmount: donations.planAmount,
    })
    .from(donations)
    .where(and(eq(donations.supporterId, supporterId), between(donations.receivedOn, from, to)))
    .orderBy(asc(donations.receivedOn), asc(donations.receivedAt), asc(donations.id));
  const lines = rows as YearLine[];
  const gifts = lines.filter((l) => l.entry === 'gift');
  return {
    year,
    lines,
    total: lines.reduce((sum, l) => sum + l.amount, 0),
    giftCount: gifts.length,
    monthlyMonths: new Set(gifts.filter((g) => g.frequency === 'monthly').map((g) => g.day.slice(0, 7))).size,
  };
}
