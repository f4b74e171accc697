import { z } from 'zod';
import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import type { Audience } from '../../db/schema';

export type { Audience };
export const segments = ['all', 'monthly', 'plan', 'one_time', 'lapsed', 'locale', 'tag'] as const;

/** The audience from form fields (segment plus its one value); undefined when they do not fit. */
export const audienceSchema = z.discriminatedUnion('segment', [
  z.object({ segment: z.literal('all') }),
  z.object({ segment: z.literal('monthly') }),
  z.object({ segment: z.literal('plan'), plan: z.coerce.number().pipe(z.union([z.literal(1000), z.literal(5000), z.literal(10000)])) }),
  z.object({ segment: z.literal('one_time') }),
  z.object({ segment: z.literal('lapsed') }),
  z.object({ segment: z.literal('locale'), locale: z.enum(['ja', 'en']) }),
  z.object({ segment: z.literal('tag'), tag: z.string().trim().min(1).max(50) }),
]);

/** An address mail can go to: not bounced, not merged away, not erased, not a placeholder. */
const reachable = sql`s.email_bounced_at IS NULL AND s.merged_into_id IS NULL AND s.erased_at IS NULL AND s.email NOT LIKE '%.invalid'`;

/**
 * Newsletter consent that counts: the flag, and for a prospect (never gave) a grant that did not come
 * from a public form alone: confirmed by the emailed link, given on My page or recorded by staff. A form's
 * box counts only with its payment (then they are no prospect), so a prospect flagged by an unpaid form
 * (before double opt-in existed) gets nothing.
 */
const consented = sql`s.newsletter AND (s.status <> 'prospect' OR EXISTS (SELECT 1 FROM consents c
  WHERE c.supporter_id = s.id AND c.purpose = 'newsletter' AND c.granted AND c.source NOT IN ('join_form', 'give_form')))`;

/** Who may receive a newsletter at all: newsletter consent now and a reachable address. Checked again for each row just before sending. */
export const eligible = sql`${consented} AND ${reachable}`;

/**
 * The same for a send `n` of either kind: an annual report carries the supporter's combined receipt, so
 * it goes to every giver whose address works, with or without newsletter consent.
 */
export const eligibleForSend = sql`(${consented} OR n.kind = 'annual_report') AND ${reachable}`;

/** Who the audience may reach at all: newsletter consent, except for an annual report's givers. */
function eligibleFor(audience: Audience): SQL {
  return audience.segment === 'gave_in_year' ? reachable : eligible;
}

/** The segment's condition on supporters `s`. */
export function segmentCondition(audience: Audience): SQL {
  switch (audience.segment) {
    case 'all':
      return sql`true`;
    case 'monthly':
      return sql`s.status = 'monthly'`;
    case 'plan':
      return sql`EXISTS (SELECT 1 FROM subscriptions sub WHERE sub.supporter_id = s.id AND sub.status IN ('active', 'past_due') AND sub.amount = ${audience.plan})`;
    case 'one_time':
      return sql`s.status = 'one_time'`;
    case 'lapsed':
      return sql`s.status = 'lapsed'`;
    case 'locale':
      return sql`s.locale = ${audience.locale}`;
    case 'tag':
      return sql`EXISTS (SELECT 1 FROM supporter_tags st WHERE st.supporter_id = s.id AND st.tag = ${audience.tag})`;
    case 'gave_in_year':
      return sql`EXISTS (SELECT 1 FROM donations g WHERE g.supporter_id = s.id AND g.entry = 'gift'
        AND g.received_on BETWEEN make_date(${audience.year}::int, 1, 1) AND make_date(${audience.year}::int, 12, 31))`;
  }
}

/** How many supporters the audience reaches now, and a sample of them (name, email, language). */
export async function previewAudience(
  tx: Tx,
  audience: Audience,
  sampleSize = 10,
): Promise<{ count: number; sample: { id: string; name: string; email: string; locale: string }[] }> {
  const where = sql`${eligibleFor(audience)} AND ${segmentCondition(audience)}`;
  const counted = (await tx.execute(sql`SELECT count(*)::text AS count FROM supporters s WHERE ${where}`)) as unknown as { rows: { count: string }[] };
  const sample = (await tx.execute(
    sql`SELECT s.id::text AS id, trim(s.family_name || ' ' || s.given_name) AS name, s.email, s.locale FROM supporters s WHERE ${where} ORDER BY s.created_at DESC LIMIT ${sampleSize}`,
  )) as unknown as { rows: { id: string; name: string; email: string; locale: string }[] };
  return { count: Number(counted.rows[0]?.count ?? 0), sample: sample.rows };
}

/**
 * Writes one queued delivery per recipient of the audience, before any mail leaves; a row that exists
 * already is kept (unique per newsletter and supporter), so starting twice adds no one twice.
 */
export async function insertDeliveries(tx: Tx, newsletterId: string, audience: Audience): Promise<number> {
  const result = await tx.execute(sql`
    INSERT INTO newsletter_deliveries (newsletter_id, supporter_id, email, locale)
    SELECT ${newsletterId}::uuid, s.id, s.email, s.locale FROM supporters s
    WHERE ${eligibleFor(audience)} AND ${segmentCondition(audience)}
    ON CONFLICT (newsletter_id, supporter_id) DO NOTHING`);
  return (result as unknown as { rowCount?: number; affectedRows?: number }).rowCount ?? (result as unknown as { affectedRows?: number }).affectedRows ?? 0;
}

/**
 * Every tag in use with the number of supporters a send to that tag would reach now (the same
 * condition as `previewAudience`: consent and a working address), in tag order.
 */
export async function countTagAudiences(tx: Tx, limit = 500): Promise<{ tag: string; count: number }[]> {
  const result = (await tx.execute(sql`
    SELECT st.tag, count(*) FILTER (WHERE ${eligible})::text AS count
    FROM (SELECT DISTINCT tag, supporter_id FROM supporter_tags) st
    JOIN supporters s ON s.id = st.supporter_id
    GROUP BY st.tag ORDER BY st.tag LIMIT ${limit}`)) as unknown as { rows: { tag: string; count: string }[] };
  return result.rows.map((r) => ({ tag: r.tag, count: Number(r.count) }));
}
