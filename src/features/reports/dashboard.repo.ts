import { and, asc, desc, eq, gte, inArray, isNull, lt, ne, notInArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { donations, subscriptions, supporters } from '../../db/schema';

// Dashboard figures. Days are YYYY-MM-DD strings in Asia/Tokyo (donations.received_on is already the
// Japan day of each ledger row); instants are Dates for the subscription timestamps.

/** Subscription states that still bring in money every month. */
export const RECURRING_STATUSES = ['active', 'past_due'] as const;
/** Subscription states where a payment failed and someone should look. */
export const ATTENTION_STATUSES = ['past_due', 'unpaid'] as const;
/** Checkout never completed: not a supporter's subscription yet. */
const NEVER_STARTED = ['incomplete', 'incomplete_expired'];

/** Number and monthly ¥ total of the subscriptions that are billed every month. */
export async function sumRecurring(tx: Tx): Promise<{ count: number; amount: number }> {
  const [row] = await tx
    .select({
      count: sql<number>`count(*)`.mapWith(Number),
      amount: sql<number>`coalesce(sum(${subscriptions.amount}), 0)`.mapWith(Number),
    })
    .from(subscriptions)
    .where(inArray(subscriptions.status, [...RECURRING_STATUSES]));
  return { count: row?.count ?? 0, amount: row?.amount ?? 0 };
}

/** Supporters who started a monthly subscription in [from, to). */
export async function countStartedMonthly(tx: Tx, from: Date, to: Date): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(distinct ${subscriptions.supporterId})`.mapWith(Number) })
    .from(subscriptions)
    .where(and(notInArray(subscriptions.status, NEVER_STARTED), gte(subscriptions.createdAt, from), lt(subscriptions.createdAt, to)));
  return row?.n ?? 0;
}

/** Supporters whose monthly subscription ended in [from, to). */
export async function countCancelledMonthly(tx: Tx, from: Date, to: Date): Promise<number> {
  // ended_at is the end; canceled_at is when the stop was asked for (a month earlier for a stop at period end).
  const endedAt = sql`coalesce(${subscriptions.endedAt}, ${subscriptions.canceledAt}, ${subscriptions.updatedAt})`;
  const [row] = await tx
    .select({ n: sql<number>`count(distinct ${subscriptions.supporterId})`.mapWith(Number) })
    .from(subscriptions)
    .where(and(eq(subscriptions.status, 'canceled'), sql`${endedAt} >= ${from}`, sql`${endedAt} < ${to}`));
  return row?.n ?? 0;
}

export interface AttentionRow {
  subscriptionId: string;
  supporterId: string;
  kind: 'individual' | 'organisation';
  familyName: string;
  givenName: string;
  organisationName: string | null;
  email: string;
  status: string;
  amount: number;
  since: Date;
}

/** Subscriptions whose last payment failed, longest-waiting first. */
export async function selectFailedPayments(tx: Tx, limit: number): Promise<AttentionRow[]> {
  return tx
    .select({
      subscriptionId: subscriptions.id,
      supporterId: supporters.id,
      kind: supporters.kind,
      familyName: supporters.familyName,
      givenName: supporters.givenName,
      organisationName: supporters.organisationName,
      email: supporters.email,
      status: subscriptions.status,
      amount: subscriptions.amount,
      since: subscriptions.updatedAt,
    })
    .from(subscriptions)
    .innerJoin(supporters, eq(supporters.id, subscriptions.supporterId))
    .where(inArray(subscriptions.status, [...ATTENTION_STATUSES]))
    .orderBy(asc(subscriptions.updatedAt))
    .limit(limit);
}

export async function countFailedPayments(tx: Tx): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(subscriptions)
    .where(inArray(subscriptions.status, [...ATTENTION_STATUSES]));
  return row?.n ?? 0;
}

/** One-time gifts received on days [fromDay, toDay): how many and how much (before refunds). */
export async function sumOneTimeGifts(tx: Tx, fromDay: string, toDay: string): Promise<{ count: number; amount: number }> {
  const [row] = await tx
    .select({
      count: sql<number>`count(*)`.mapWith(Number),
      amount: sql<number>`coalesce(sum(${donations.amount}), 0)`.mapWith(Number),
    })
    .from(donations)
    .where(and(eq(donations.entry, 'gift'), eq(donations.frequency, 'one_time'), gte(donations.receivedOn, fromDay), lt(donations.receivedOn, toDay)));
  return { count: row?.count ?? 0, amount: row?.amount ?? 0 };
}

export interface MonthTotals {
  /** YYYY-MM in Japan time */
  month: string;
  gifts: number;
  giftCount: number;
  /** refunds, disputes and reversals (zero or negative) */
  takeBacks: number;
}

/** Ledger totals per Japan month for days [fromDay, toDay); months without rows are absent. */
export async function sumLedgerByMonth(tx: Tx, fromDay: string, toDay: string): Promise<MonthTotals[]> {
  const month = sql<string>`to_char(${donations.receivedOn}, 'YYYY-MM')`;
  return tx
    .select({
      month,
      gifts: sql<number>`coalesce(sum(${donations.amount}) filter (where ${donations.entry} = 'gift'), 0)`.mapWith(Number),
      giftCount: sql<number>`count(*) filter (where ${donations.entry} = 'gift')`.mapWith(Number),
      takeBacks: sql<number>`coalesce(sum(${donations.amount}) filter (where ${donations.entry} <> 'gift'), 0)`.mapWith(Number),
    })
    .from(donations)
    .where(and(gte(donations.receivedOn, fromDay), lt(donations.receivedOn, toDay)))
    .groupBy(month)
    .orderBy(month);
}

export interface LapsedRow {
  supporterId: string;
  kind: 'individual' | 'organisation';
  familyName: string;
  givenName: string;
  organisationName: string | null;
  status: string;
  lastGiftOn: string;
  total: number;
}

// Gave in [fromDay, untilDay), nothing since, and not giving monthly now (a monthly supporter's next
// payment may simply not have come yet); merged-away records are left out.
function lapsedWhere(fromDay: string, untilDay: string) {
  const gaveThen = sql`exists (select 1 from ${donations} d where d.supporter_id = ${supporters.id} and d.entry = 'gift' and d.received_on >= ${fromDay} and d.received_on < ${untilDay})`;
  const gaveSince = sql`exists (select 1 from ${donations} d where d.supporter_id = ${supporters.id} and d.entry = 'gift' and d.received_on >= ${untilDay})`;
  return and(gaveThen, sql`not ${gaveSince}`, ne(supporters.status, 'monthly'), isNull(supporters.mergedIntoId));
}

/** Supporters who gave in [fromDay, untilDay) and not since: how many, and the most generous first. */
export async function selectLapsed(tx: Tx, fromDay: string, untilDay: string, limit: number): Promise<{ count: number; rows: LapsedRow[] }> {
  const [counted] = await tx
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(supporters)
    .where(lapsedWhere(fromDay, untilDay));
  // Joined, so every column is written with its table (a correlated subquery in the select list is not).
  const total = sql<number>`coalesce(sum(${donations.amount}), 0)`.mapWith(Number);
  const rows = await tx
    .select({
      supporterId: supporters.id,
      kind: supporters.kind,
      familyName: supporters.familyName,
      givenName: supporters.givenName,
      organisationName: supporters.organisationName,
      status: supporters.status,
      lastGiftOn: sql<string>`to_char(max(${donations.receivedOn}) filter (where ${donations.entry} = 'gift'), 'YYYY-MM-DD')`,
      total,
    })
    .from(supporters)
    .innerJoin(donations, eq(donations.supporterId, supporters.id))
    .where(and(lapsedWhere(fromDay, untilDay), gte(donations.receivedOn, fromDay), lt(donations.receivedOn, untilDay)))
    .groupBy(supporters.id)
    .orderBy(desc(total), asc(supporters.id))
    .limit(limit);
  return { count: counted?.n ?? 0, rows };
}
