import type { Db } from '../../db/client';
import { selectArrays } from '../../db/raw-rows';

/** Money of one group of gifts: count and yen (refunds as a positive amount given back). */
export interface Figures {
  count: number;
  gross: number;
  fees: number;
  refunds: number;
  net: number;
}

export interface MonthSummary {
  month: string; // YYYY-MM
  total: Figures;
  byPlan: Record<string, Figures>; // '1000' | '5000' | '10000' | 'one_time'
  byMethod: Record<string, Figures>;
}

const empty = (): Figures => ({ count: 0, gross: 0, fees: 0, refunds: 0, net: 0 });
const add = (to: Figures, from: Omit<Figures, 'net'>) => {
  to.count += from.count;
  to.gross += from.gross;
  to.fees += from.fees;
  to.refunds += from.refunds;
  to.net = to.gross - to.fees - to.refunds;
};

/** Every month of a year (Asia/Tokyo days) with totals and the same split by plan and by method. */
export async function monthlySummary(db: Db, year: number): Promise<{ months: MonthSummary[]; year: Figures }> {
  const rows = await selectArrays(
    db,
    `SELECT to_char(received_on, 'YYYY-MM'),
            CASE WHEN frequency = 'monthly' THEN coalesce(plan_amount, amount)::text ELSE 'one_time' END,
            method,
            (count(*) FILTER (WHERE entry = 'gift'))::text,
            coalesce(sum(amount) FILTER (WHERE entry = 'gift'), 0)::text,
            coalesce(sum(fee) FILTER (WHERE entry = 'gift'), 0)::text,
            coalesce(-sum(amount) FILTER (WHERE entry <> 'gift'), 0)::text
       FROM donations
      WHERE received_on BETWEEN $1::date AND $2::date
      GROUP BY 1, 2, 3`,
    [`${year}-01-01`, `${year}-12-31`],
  );
  const months = Array.from({ length: 12 }, (_, i) => ({ month: `${year}-${String(i + 1).padStart(2, '0')}`, total: empty(), byPlan: {}, byMethod: {} }) as MonthSummary);
  const yearTotal = empty();
  for (const [month, plan, method, count, gross, fees, refunds] of rows) {
    const figures = { count: Number(count), gross: Number(gross), fees: Number(fees), refunds: Number(refunds) };
    const m = months[Number(month!.slice(5, 7)) - 1]!;
    add(m.total, figures);
    add((m.byPlan[plan!] ??= empty()), figures);
    add((m.byMethod[method!] ??= empty()), figures);
    add(yearTotal, figures);
  }
  return { months, year: yearTotal };
}
