import { enqueueJob } from '../../lib/enqueue';
import type { Db } from '../../db/client';
import type { ReconciliationFinding } from '../../db/schema';
import { recordAudit } from '../audit';
import { idOf, paymentIntentIdOfInvoice, type StripeGateway } from '../billing';
import { queueEmail } from '../emails';
import { compareWithLedger, stripeAmountOf, stripeObjectOf, rowFinding, type LedgerRow, type StripeSide } from './reconciliation.compare';
import {
  findLedgerRowsByStripeIds,
  findRecentRunningRun,
  findRun,
  finishRun,
  insertRun,
  listAlertRecipients,
  listLedgerRowsBetween,
  listRuns,
  lockRun,
  markReplayed,
  type ReconciliationRun,
  type RunWithNames,
} from './reconciliation.repo';
import { now as clockNow } from '../../lib/clock';

/** How far back each run looks: a month of renewals plus a few days of slack. */
export const WINDOW_DAYS = 35;
const DAY_MS = 24 * 3600 * 1000;
// A second click on "Run now" while a run from the last minutes is still going starts nothing new.
const RUNNING_GRACE_MS = 10 * 60 * 1000;

export interface ReconcileDeps {
  db: Db;
  gateway: StripeGateway;
}

export interface StaffContext {
  staffId: string;
  ip?: string;
}

export type RunResult =
  | { outcome: 'missing' }
  | { outcome: 'already finished'; runId: string }
  | { outcome: 'matched' | 'mismatched' | 'failed'; runId: string; findings: number; emailed: number; error?: string };

/** Stripe's side of the window: succeeded charges and refunds, paid invoices with an amount, disputes. */
async function fetchStripeSide(gateway: StripeGateway, run: ReconciliationRun, checked: Record<string, number>): Promise<StripeSide> {
  // Lists are asked from the window's start; objects made after its end (while the run is going,
  // or renewals dated ahead by a test clock) wait for the next run, as do their ledger rows.
  const end = run.windowEnd.getTime() / 1000;
  const inWindow = (o: { created: number }) => o.created <= end;
  const charges = (await gateway.listChargesSince(run.windowStart)).filter((c) => c.status === 'succeeded' && c.paid && inWindow(c));
  checked.charges = charges.length;
  const invoices = (await gateway.listInvoicesSince(run.windowStart)).filter((i) => i.status === 'paid' && i.amount_paid > 0 && inWindow(i));
  checked.invoices = invoices.length;
  const refunds = (await gateway.listRefundsSince(run.windowStart)).filter((r) => r.status === 'succeeded' && inWindow(r));
  checked.refunds = refunds.length;
  const disputes = (await gateway.listDisputesSince(run.windowStart)).filter(inWindow);
  checked.disputes = disputes.length;
  return {
    charges: charges.map((c) => ({ id: c.id, amount: c.amount, created: c.created, paymentIntentId: idOf(c.payment_intent) })),
    invoices: invoices.map((i) => ({ id: i.id!, amount: i.amount_paid, created: i.created, paymentIntentId: paymentIntentIdOfInvoice(i) })),
    refunds: refunds.map((r) => ({ id: r.id, amount: r.amount, created: r.created })),
    disputes: disputes.map((d) => ({ id: d.id, amount: d.amount, created: d.created })),
  };
}

/** Looks up by id each ledger row no listed object accounted for: gone from Stripe, or a different amount. */
async function checkRowsInStripe(gateway: StripeGateway, rows: LedgerRow[]): Promise<ReconciliationFinding[]> {
  const findings: ReconciliationFinding[] = [];
  for (const row of rows) {
    const target = stripeObjectOf(row);
    if (!target) {
      findings.push(rowFinding('missing_in_stripe', row));
      continue;
    }
    const amount =
      target.object === 'invoice'
        ? (await gateway.retrieveInvoiceIfExists(target.id))?.amount_paid
        : target.object === 'charge'
          ? (await gateway.retrieveChargeIfExists(target.id))?.amount
          : target.object === 'refund'
            ? (await gateway.retrieveRefundIfExists(target.id))?.amount
            : (await gateway.retrieveDisputeIfExists(target.id))?.amount;
    // An object that exists but was made outside the window (or not listed for its status) is fine
    // as long as the yen agree.
    if (amount === undefined) findings.push(rowFinding('missing_in_stripe', row));
    else if (amount !== stripeAmountOf(row)) findings.push(rowFinding('amount_differs', row, amount));
  }
  return findings;
}

/** Counts of each kind of finding, for the page and the email. */
export function countFindings(findings: ReconciliationFinding[]) {
  const of = (kind: ReconciliationFinding['kind']) => findings.filter((f) => f.kind === kind).length;
  return { total: findings.length, missingInLedger: of('missing_in_ledger'), missingInStripe: of('missing_in_stripe'), amountDiffers: of('amount_differs') };
}

/** Stores a run's outcome once and, on a mismatch, emails finance in the same transaction (once per run). */
async function finish(db: Db, run: ReconciliationRun, outcome: Parameters<typeof finishRun>[2]): Promise<RunResult> {
  return db.transaction(async (tx) => {
    if (!(await finishRun(tx, run.id, outcome))) return { outcome: 'already finished' as const, runId: run.id };
    let emailed = 0;
    if (outcome.status === 'mismatched') {
      const counts = countFindings(outcome.findings);
      for (const person of await listAlertRecipients(tx)) {
        const id = await queueEmail(tx, {
          template: 'reconciliation-mismatch',
          to: person.email,
          locale: 'ja',
          params: { name: person.name, runId: run.id, windowStart: run.windowStart.toISOString(), windowEnd: run.windowEnd.toISOString(), ...counts },
          dedupeKey: `reconciliation-mismatch:${run.id}:${person.id}`,
        });
        if (id !== undefined) emailed++;
      }
    }
    return { outcome: outcome.status, runId: run.id, findings: outcome.findings.length, emailed, error: outcome.error };
  });
}

/**
 * Compares the window's Stripe objects with the ledger and stores the findings. Without a run id it
 * opens a scheduled run over the last WINDOW_DAYS; with one it fills that run, unless it has finished.
 * A Stripe failure ends the run as failed with the error, never half-written as matched.
 */
export async function runReconciliation(deps: ReconcileDeps, runId?: string, now = clockNow()): Promise<RunResult> {
  let run: ReconciliationRun | undefined;
  if (runId) {
    run = await findRun(deps.db, runId);
    if (!run) return { outcome: 'missing' };
    if (run.status !== 'running') return { outcome: 'already finished', runId: run.id };
  } else {
    run = await insertRun(deps.db, { trigger: 'schedule', windowStart: new Date(now.getTime() - WINDOW_DAYS * DAY_MS), windowEnd: now });
  }
  const checked: Record<string, number> = {};
  let findings: ReconciliationFinding[];
  try {
    const stripe = await fetchStripeSide(deps.gateway, run, checked);
    const windowRows = await listLedgerRowsBetween(deps.db, run.windowStart, run.windowEnd);
    checked.ledgerRows = windowRows.length;
    const known = new Set(windowRows.flatMap((r) => [r.stripeChargeId, r.stripeInvoiceId, r.stripeRefundId, r.stripeDisputeId]));
    const unknownIds = [...stripe.charges, ...stripe.invoices, ...stripe.refunds, ...stripe.disputes].map((i) => i.id).filter((id) => !known.has(id));
    const inWindow = new Set(windowRows.map((r) => r.id));
    const extraRows = (await findLedgerRowsByStripeIds(deps.db, unknownIds)).filter((r) => !inWindow.has(r.id));
    const comparison = compareWithLedger(stripe, windowRows, extraRows);
    findings = [...comparison.findings, ...(await checkRowsInStripe(deps.gateway, comparison.unmatched))];
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return finish(deps.db, run, { status: 'failed', checked, findings: [], error });
  }
  return finish(deps.db, run, { status: findings.length > 0 ? 'mismatched' : 'matched', checked, findings });
}

/** "Run now": opens a run for the last WINDOW_DAYS with its job, or points at the one already going. */
export async function startRun(db: Db, by: StaffContext, now = clockNow()): Promise<{ runId: string; already: boolean }> {
  return db.transaction(async (tx) => {
    const going = await findRecentRunningRun(tx, new Date(now.getTime() - RUNNING_GRACE_MS));
    if (going) return { runId: going.id, already: true };
    const run = await insertRun(tx, { trigger: 'staff', requestedBy: by.staffId, windowStart: new Date(now.getTime() - WINDOW_DAYS * DAY_MS), windowEnd: now });
    await enqueueJob(tx, 'reconcile-stripe', { runId: run.id });
    await recordAudit(tx, {
      staffId: by.staffId,
      action: 'reconciliation.run',
      targetType: 'reconciliation_run',
      targetId: run.id,
      detail: { windowStart: run.windowStart, windowEnd: run.windowEnd },
      ip: by.ip,
    });
    return { runId: run.id, already: false };
  });
}

export type ReplayRequest = 'queued' | 'notFound' | 'nothingToReplay';

/** "Replay the missing events": queues the replay of a finished run's missing_in_ledger items. */
export async function requestReplay(db: Db, runId: string, by: StaffContext): Promise<ReplayRequest> {
  return db.transaction(async (tx) => {
    const run = await lockRun(tx, runId);
    if (!run) return 'notFound';
    const missing = run.findings.filter((f) => f.kind === 'missing_in_ledger');
    if (run.status !== 'mismatched' || missing.length === 0) return 'nothingToReplay';
    await markReplayed(tx, run.id, by.staffId);
    await enqueueJob(tx, 'replay-stripe-events', { runId: run.id });
    await recordAudit(tx, {
      staffId: by.staffId,
      action: 'reconciliation.replay',
      targetType: 'reconciliation_run',
      targetId: run.id,
      detail: { missing: missing.map((f) => f.stripeId) },
      ip: by.ip,
    });
    return 'queued';
  });
}

/** The last run and the ones before it (up to ten), newest first. */
export async function loadOverview(db: Db): Promise<{ latest?: RunWithNames; earlier: RunWithNames[] }> {
  const runs = await listRuns(db, 11);
  return { latest: runs[0], earlier: runs.slice(1) };
}

/** One run (for the replay form's checks). */
export function findReconciliationRun(db: Db, id: string): Promise<ReconciliationRun | undefined> {
  return findRun(db, id);
}
