import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client';
import { insertSupporters, type TestSupporter } from './newsletters';

/**
 * `count` supporters (see insertSupporters), each with `months` monthly ¥1,000 card gifts in `year`
 * (the 10th of each month, noon in Japan), written straight into the ledger.
 */
export async function insertGivers(db: Db, opts: { count: number; tag: string; year: number; months?: number; mix?: boolean }): Promise<TestSupporter[]> {
  const people = await insertSupporters(db, { count: opts.count, tag: opts.tag, mix: opts.mix });
  await db.execute(sql`
    INSERT INTO donations (supporter_id, entry, amount, method, frequency, plan_amount, channel, received_at, received_on)
    SELECT s.id, 'gift', 1000, 'card', 'monthly', 1000, 'stripe', make_timestamptz(${opts.year}::int, m, 10, 12, 0, 0, 'Asia/Tokyo'), make_date(${opts.year}::int, m, 10)
    FROM supporters s JOIN supporter_tags t ON t.supporter_id = s.id AND t.tag = ${opts.tag}
    CROSS JOIN generate_series(1, ${opts.months ?? 12}) AS m`);
  return people;
}
