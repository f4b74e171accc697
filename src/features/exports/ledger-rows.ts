import type { Db } from '../../db/client';
import { cursorArrays, selectArrays, supportsCursors } from '../../db/raw-rows';
import type { GiftStatus, LedgerFilters } from './exports.schemas';

/** One ledger row as the exports read it: the row, its supporter and its gift's current state. */
export interface LedgerRow {
  id: string;
  entry: 'gift' | 'refund' | 'dispute' | 'reversal';
  day: string;
  receiptNumber: string;
  /** For refunds, disputes and reversals: the receipt number of the gift they take back. */
  giftReceiptNumber: string;
  supporterId: string;
  kind: 'individual' | 'organisation';
  name: string;
  kana: string;
  amount: number;
  fee: number | null;
  net: number | null;
  method: string;
  frequency: 'monthly' | 'one_time';
  planAmount: number | null;
  status: GiftStatus;
  /** For gifts: how much of it was refunded so far. */
  refunded: number;
  chargeId: string;
  invoiceId: string;
  paymentIntentId: string;
  refundId: string;
  disputeId: string;
  note: string;
  channel: 'stripe' | 'offline';
}

export const PAGE_ROWS = 5000;
// Smaller pages from the cursor: the rows of a page live only briefly, so little of them survives into
// the old generation and peak memory stays nearly flat as a download grows (BENCHMARKS.md).
export const CURSOR_PAGE_ROWS = 1000;

// The gift's state now: taken back in full or in part, disputed, reversed. Refund rows share their gift's.
const FROM = `
FROM donations d
JOIN supporters s ON s.id = d.supporter_id
LEFT JOIN donations g ON g.id = d.related_donation_id
CROSS JOIN LATERAL (
  SELECT CASE WHEN bool_or(t.entry = 'reversal') THEN 'reversed'
              WHEN bool_or(t.entry = 'dispute') THEN 'disputed'
              WHEN coalesce(sum(-t.amount) FILTER (WHERE t.entry = 'refund'), 0) >= coalesce(g.amount, d.amount) THEN 'refunded'
              WHEN coalesce(sum(-t.amount) FILTER (WHERE t.entry = 'refund'), 0) > 0 THEN 'partially_refunded'
              ELSE 'paid' END AS status,
         coalesce(sum(-t.amount) FILTER (WHERE t.entry = 'refund'), 0) AS refunded
  FROM donations t WHERE t.related_donation_id = coalesce(d.related_donation_id, d.id)
) st`;

// Every column as text, in LedgerRow's order.
const SELECT = `
SELECT d.id::text, d.entry, d.received_on::text, coalesce(d.receipt_number, ''), coalesce(g.receipt_number, ''),
  d.supporter_id::text, s.kind,
  CASE WHEN s.kind = 'organisation' AND coalesce(s.organisation_name, '') <> '' THEN s.organisation_name
       ELSE trim(s.family_name || ' ' || s.given_name) END,
  trim(coalesce(s.family_name_kana, '') || ' ' || coalesce(s.given_name_kana, '')),
  d.amount::text, d.fee::text, d.net::text, d.method, d.frequency, d.plan_amount::text,
  st.status, st.refunded::text,
  coalesce(d.stripe_charge_id, ''), coalesce(d.stripe_invoice_id, ''), coalesce(d.stripe_payment_intent_id, ''),
  coalesce(d.stripe_refund_id, ''), coalesce(d.stripe_dispute_id, ''), coalesce(d.note, ''), d.channel
${FROM}`;

/** The WHERE clause of the filters, its parameters numbered from 1. */
export function ledgerWhere(filters: LedgerFilters): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions = [`d.received_on BETWEEN ${p(filters.from)}::date AND ${p(filters.to)}::date`];
  if (filters.method) conditions.push(`d.method = ${p(filters.method)}`);
  if (filters.plan === 'one_time') conditions.push(`d.frequency = 'one_time'`);
  else if (filters.plan) conditions.push(`d.frequency = 'monthly' AND d.plan_amount = ${p(Number(filters.plan))}`);
  if (filters.kind) conditions.push(`s.kind = ${p(filters.kind)}`);
  if (filters.status) conditions.push(`st.status = ${p(filters.status)}`);
  return { where: conditions.join(' AND '), params };
}

/** The export's whole query (no paging), as `COPY (…) TO STDOUT` would run it: for the benchmark. */
export function ledgerQuery(filters: LedgerFilters): { text: string; params: unknown[] } {
  const { where, params } = ledgerWhere(filters);
  return { text: `${SELECT} WHERE ${where} ORDER BY d.received_on, d.id`, params };
}

const int = (v: string | null | undefined) => (v === null ? null : Number(v));

function toRow(r: (string | null)[]): LedgerRow {
  return {
    id: r[0]!,
    entry: r[1] as LedgerRow['entry'],
    day: r[2]!,
    receiptNumber: r[3]!,
    giftReceiptNumber: r[4]!,
    supporterId: r[5]!,
    kind: r[6] as LedgerRow['kind'],
    name: r[7]!,
    kana: r[8]!,
    amount: Number(r[9]),
    fee: int(r[10]),
    net: int(r[11]),
    method: r[12]!,
    frequency: r[13] as LedgerRow['frequency'],
    planAmount: int(r[14]),
    status: r[15] as GiftStatus,
    refunded: Number(r[16]),
    chargeId: r[17]!,
    invoiceId: r[18]!,
    paymentIntentId: r[19]!,
    refundId: r[20]!,
    disputeId: r[21]!,
    note: r[22]!,
    channel: r[23] as LedgerRow['channel'],
  };
}

/**
 * The ledger rows of a range in (day, id) order, a page at a time: each page is its own short query
 * (keyset paging), so no transaction stays open while a slow download drains and memory stays flat.
 */
export async function* ledgerPages(db: Db, filters: LedgerFilters, pageRows = PAGE_ROWS, limit = Infinity): AsyncGenerator<LedgerRow[]> {
  const { where, params } = ledgerWhere(filters);
  let after: { day: string; id: string } | undefined;
  let left = limit;
  while (left > 0) {
    const size = Math.min(pageRows, left);
    const n = params.length;
    const keyset = after ? ` AND (d.received_on, d.id) > ($${n + 1}::date, $${n + 2}::uuid)` : '';
    const text = `${SELECT} WHERE ${where}${keyset} ORDER BY d.received_on, d.id LIMIT ${size}`;
    const rows = (await selectArrays(db, text, after ? [...params, after.day, after.id] : params)).map(toRow);
    if (rows.length === 0) return;
    yield rows;
    const last = rows[rows.length - 1]!;
    after = { day: last.day, id: last.id };
    left -= rows.length;
    if (rows.length < size) return;
  }
}

/**
 * All the ledger rows of a range for a download, in (day, id) order, a page at a time: on PostgreSQL
 * from one cursor over one snapshot (the query runs once), on PGlite by keyset pages.
 */
export async function* ledgerExportPages(db: Db, filters: LedgerFilters): AsyncGenerator<LedgerRow[]> {
  // A cursor holds a pooled connection for as long as its reader takes: a few at a time, the rest page by keyset.
  if (!supportsCursors(db) || cursorsOpen >= MAX_CURSORS) {
    yield* ledgerPages(db, filters);
    return;
  }
  cursorsOpen += 1;
  try {
    const { text, params } = ledgerQuery(filters);
    for await (const page of cursorArrays(db, text, params, CURSOR_PAGE_ROWS)) yield page.map(toRow);
  } finally {
    cursorsOpen -= 1;
  }
}

/** Downloads reading through a cursor at most at once (the pool holds 10 connections). */
export const MAX_CURSORS = 3;
let cursorsOpen = 0;

/** Totals of a range with the same filters: for the page's preview and the command line. */
export async function ledgerTotals(db: Db, filters: LedgerFilters): Promise<{ rows: number; gifts: number; giftAmount: number; takenBack: number; fees: number; net: number }> {
  const { where, params } = ledgerWhere(filters);
  const text = `SELECT count(*)::text, (count(*) FILTER (WHERE x.entry = 'gift'))::text,
      coalesce(sum(x.amount) FILTER (WHERE x.entry = 'gift'), 0)::text, coalesce(sum(x.amount) FILTER (WHERE x.entry <> 'gift'), 0)::text,
      coalesce(sum(x.fee), 0)::text
    FROM (SELECT d.entry, d.amount, d.fee ${FROM} WHERE ${where}) x`;
  const [r] = await selectArrays(db, text, params);
  const [rows, gifts, giftAmount, takenBack, fees] = r!.map(Number) as [number, number, number, number, number];
  return { rows, gifts, giftAmount, takenBack, fees, net: giftAmount + takenBack - fees };
}
