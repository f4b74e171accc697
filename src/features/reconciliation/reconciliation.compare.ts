import type { ReconciliationFinding } from '../../db/schema';

// The comparison itself, without I/O: Stripe's objects of the window on one side, the ledger's
// Stripe rows on the other. See README.md in this folder for what is compared and why.

/** A Stripe object reduced to what the ledger records of it (amounts in yen, created in unix seconds). */
export interface StripeItem {
  id: string;
  amount: number;
  created: number;
  /** Charges and invoices: the payment intent that ties a monthly gift's invoice to its charge. */
  paymentIntentId?: string;
}

export interface StripeSide {
  charges: StripeItem[];
  invoices: StripeItem[];
  refunds: StripeItem[];
  disputes: StripeItem[];
}

/** A ledger row of the stripe channel (amounts negative for refunds and disputes). */
export interface LedgerRow {
  id: string;
  supporterId: string;
  entry: 'gift' | 'refund' | 'dispute' | 'reversal';
  amount: number;
  receivedAt: Date;
  stripeChargeId: string | null;
  stripeInvoiceId: string | null;
  stripeRefundId: string | null;
  stripeDisputeId: string | null;
}

export interface Comparison {
  findings: ReconciliationFinding[];
  /** Rows of the window that no listed Stripe object accounts for: each must be looked up by id. */
  unmatched: LedgerRow[];
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

/** What the ledger row stands for in Stripe: a monthly gift by its invoice, a one-time gift by its charge. */
export function stripeObjectOf(row: LedgerRow): { object: ReconciliationFinding['object']; id: string } | undefined {
  if (row.entry === 'refund' && row.stripeRefundId) return { object: 'refund', id: row.stripeRefundId };
  if (row.entry === 'dispute' && row.stripeDisputeId) return { object: 'dispute', id: row.stripeDisputeId };
  if (row.entry === 'gift' && row.stripeInvoiceId) return { object: 'invoice', id: row.stripeInvoiceId };
  if (row.entry === 'gift' && row.stripeChargeId) return { object: 'charge', id: row.stripeChargeId };
  return undefined;
}

/** The yen Stripe shows for what a ledger row records (refund and dispute rows are negative). */
export function stripeAmountOf(row: LedgerRow): number {
  return row.entry === 'gift' ? row.amount : -row.amount;
}

/** A finding about a ledger row (missing in Stripe, or a different amount). */
export function rowFinding(kind: ReconciliationFinding['kind'], row: LedgerRow, stripeAmount?: number): ReconciliationFinding {
  const target = stripeObjectOf(row);
  return {
    kind,
    object: target?.object ?? 'charge',
    stripeId: target?.id ?? '',
    donationId: row.id,
    supporterId: row.supporterId,
    ledgerAmount: row.amount,
    ...(stripeAmount === undefined ? {} : { stripeAmount }),
    at: row.receivedAt.toISOString(),
  };
}

/**
 * Matches Stripe's objects with the ledger rows. `windowRows` are the rows received in the window;
 * `extraRows` are rows outside it that carry an id of a listed object (an object near a window edge
 * can be dated a moment differently on each side). A monthly gift is one invoice and one charge in
 * Stripe but one ledger row: it is matched by its invoice, and the charge that paid a listed invoice
 * is not counted again.
 */
export function compareWithLedger(stripe: StripeSide, windowRows: LedgerRow[], extraRows: LedgerRow[] = []): Comparison {
  const rows = [...windowRows, ...extraRows];
  const index = (entry: LedgerRow['entry'], key: (r: LedgerRow) => string | null) => new Map(rows.filter((r) => r.entry === entry && key(r)).map((r) => [key(r)!, r]));
  const giftByInvoice = index('gift', (r) => r.stripeInvoiceId);
  const giftByCharge = index('gift', (r) => r.stripeChargeId);
  const refundById = index('refund', (r) => r.stripeRefundId);
  const disputeById = index('dispute', (r) => r.stripeDisputeId);

  const findings: ReconciliationFinding[] = [];
  const seen = new Set<string>();
  const check = (object: ReconciliationFinding['object'], item: StripeItem, row: LedgerRow | undefined) => {
    if (!row) {
      findings.push({ kind: 'missing_in_ledger', object, stripeId: item.id, stripeAmount: item.amount, at: iso(item.created) });
      return;
    }
    seen.add(row.id);
    if (stripeAmountOf(row) !== item.amount) {
      findings.push({
        kind: 'amount_differs',
        object,
        stripeId: item.id,
        donationId: row.id,
        supporterId: row.supporterId,
        stripeAmount: item.amount,
        ledgerAmount: row.amount,
        at: iso(item.created),
      });
    }
  };

  const invoicePaymentIntents = new Set<string>();
  for (const invoice of stripe.invoices) {
    if (invoice.paymentIntentId) invoicePaymentIntents.add(invoice.paymentIntentId);
    check('invoice', invoice, giftByInvoice.get(invoice.id));
  }
  for (const charge of stripe.charges) {
    const row = giftByCharge.get(charge.id);
    // The row was compared through its invoice already: one gift, counted once.
    if (row && seen.has(row.id)) continue;
    // A listed invoice's charge: the invoice's finding speaks for it.
    if (!row && charge.paymentIntentId && invoicePaymentIntents.has(charge.paymentIntentId)) continue;
    check('charge', charge, row);
  }
  for (const refund of stripe.refunds) check('refund', refund, refundById.get(refund.id));
  for (const dispute of stripe.disputes) check('dispute', dispute, disputeById.get(dispute.id));

  return { findings, unmatched: windowRows.filter((r) => !seen.has(r.id)) };
}
