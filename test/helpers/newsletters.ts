import crypto from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client';
import { newsletterDeliveries, newsletters, type Audience } from '../../src/db/schema';
import type { AppContext } from '../../src/context';
import type { ReceivedMail } from '../../src/dev/mail-sink';
import { eventually } from './app';

export interface TestSupporter {
  id: string;
  email: string;
  locale: 'ja' | 'en';
  /** Whether a newsletter may go to them (consent, not bounced, not erased). */
  isEligible: boolean;
}

/**
 * Inserts `count` supporters in one statement (generate_series), tagged `tag`. Every third speaks
 * English. With `mix`, every tenth has no newsletter consent, the next bounced, the next was erased.
 * They are one-time givers: a prospect's newsletter flag alone does not make them a reader.
 */
export async function insertSupporters(db: Db, opts: { count: number; tag: string; mix?: boolean }): Promise<TestSupporter[]> {
  const prefix = `${opts.tag}-${crypto.randomBytes(3).toString('hex')}`;
  const mix = opts.mix ? sql`true` : sql`false`;
  const result = (await db.execute(sql`
    INSERT INTO supporters (email, email_normalized, family_name, given_name, status, locale, newsletter, email_bounced_at, email_bounce_reason, erased_at)
    SELECT ${prefix} || '-' || i || '@example.jp', ${prefix} || '-' || i || '@example.jp', '試験', 'No.' || i, 'one_time',
      CASE WHEN i % 3 = 0 THEN 'en' ELSE 'ja' END,
      NOT (${mix} AND i % 10 = 0),
      CASE WHEN ${mix} AND i % 10 = 1 THEN now() END,
      CASE WHEN ${mix} AND i % 10 = 1 THEN '550 5.1.1 earlier bounce' END,
      CASE WHEN ${mix} AND i % 10 = 2 THEN now() END
    FROM generate_series(1, ${opts.count}) AS i
    RETURNING id::text AS id, email, locale, (newsletter AND email_bounced_at IS NULL AND erased_at IS NULL) AS eligible`)) as unknown as {
    rows: { id: string; email: string; locale: 'ja' | 'en'; eligible: boolean }[];
  };
  await db.execute(sql`INSERT INTO supporter_tags (supporter_id, tag) SELECT id, ${opts.tag} FROM supporters WHERE email LIKE ${`${prefix}-%`}`);
  const position = (email: string) => Number(/-(\d+)@/.exec(email)![1]);
  return result.rows.map((r) => ({ id: r.id, email: r.email, locale: r.locale, isEligible: r.eligible })).sort((a, b) => position(a.email) - position(b.email));
}

/** A draft newsletter for the audience (by default: the supporters with `tag`). */
export async function createNewsletter(
  db: Db,
  fields: { tag?: string; audience?: Audience; subjectJa?: string; bodyJa?: string; subjectEn?: string; bodyEn?: string },
): Promise<string> {
  const [row] = await db
    .insert(newsletters)
    .values({
      subjectJa: fields.subjectJa ?? 'WELgeeファミリー通信 テスト号',
      bodyJa: fields.bodyJa ?? '今月のお知らせです。',
      subjectEn: fields.subjectEn ?? '',
      bodyEn: fields.bodyEn ?? '',
      audience: fields.audience ?? { segment: 'tag', tag: fields.tag ?? 'none' },
    })
    .returning({ id: newsletters.id });
  return row!.id;
}

/** Sets the newsletter sending speed (messages per second across all workers). */
export async function setMessagesPerSecond(ctx: AppContext, perSecond: number): Promise<void> {
  const settings = await ctx.settings.get();
  await ctx.settings.update('newsletter', { ...settings.newsletter, messagesPerSecond: String(perSecond) });
}

/** Waits until the newsletter has the status. */
export async function waitForStatus(db: Db, id: string, status: string, timeoutMs = 30_000): Promise<void> {
  await eventually(
    async () => {
      const [row] = await db.select({ status: newsletters.status }).from(newsletters).where(eq(newsletters.id, id));
      return row?.status === status;
    },
    timeoutMs,
    100,
  );
}

/** The newsletter's delivery rows by supporter id. */
export async function deliveriesOf(db: Db, id: string) {
  const rows = await db.select().from(newsletterDeliveries).where(eq(newsletterDeliveries.newsletterId, id));
  return new Map(rows.map((r) => [r.supporterId, r]));
}

/** How many messages each envelope recipient received. */
export function countByRecipient(messages: ReceivedMail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messages) for (const to of m.envelopeTo) counts.set(to.toLowerCase(), (counts.get(to.toLowerCase()) ?? 0) + 1);
  return counts;
}
