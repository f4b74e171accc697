import { and, desc, eq, gte, inArray, lte, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client';
import { donations, reconciliationRuns, staff, stripeEvents, type ReconciliationFinding } from '../../db/schema';
import type { LedgerRow } from './reconciliation.compare';

export type ReconciliationRun = typeof reconciliationRuns.$inferSelect;
export type RunWithNames = ReconciliationRun & { requestedByName: string | null; replayedByName: string | null };

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/** Opens a run (status running) for the window. */
export async function insertRun(tx: Tx, row: { trigger: 'schedule' | 'staff'; requestedBy?: string; windowStart: Date; windowEnd: Date }): Promise<ReconciliationRun> {
  const [run] = await tx
    .insert(reconciliationRuns)
    .values({ ...row, requestedBy: row.requestedBy ?? null })
    .returning();
  return run!;
}

/** One run, or undefined for an unknown or malformed id. */
export async function findRun(tx: Tx, id: string): Promise<ReconciliationRun | undefined> {
  if (!isUuid(id)) return undefined;
  const [run] = await tx.select().from(reconciliationRuns).where(eq(reconciliationRuns.id, id));
  return run;
}

/** Locks a run until the end of the transaction: two replays or two finishes of one run apply in turn. */
export async function lockRun(tx: Tx, id: string): Promise<ReconciliationRun | undefined> {
  if (!isUuid(id)) return undefined;
  const [run] = await tx.select().from(reconciliationRuns).where(eq(reconciliationRuns.id, id)).for('update');
  return run;
}

/** The latest runs, newest first, with who asked for them and who replayed them. */
export async function listRuns(tx: Tx, limit: number): Promise<RunWithNames[]> {
  const requester = alias(staff, 'requester');
  const replayer = alias(staff, 'replayer');
  const rows = await tx
    .select({ run: reconciliationRuns, requestedByName: requester.name, replayedByName: replayer.name })
    .from(reconciliationRuns)
    .leftJoin(requester, eq(requester.id, reconciliationRuns.requestedBy))
    .leftJoin(replayer, eq(replayer.id, reconciliationRuns.replayedBy))
    .orderBy(desc(reconciliationRuns.startedAt), desc(reconciliationRuns.id))
    .limit(limit);
  return rows.map((r) => ({ ...r.run, requestedByName: r.requestedByName, replayedByName: r.replayedByName }));
}

/** A run started by staff in the last minutes and still running, if any (a second click starts nothing). */
export async function findRecentRunningRun(tx: Tx, since: Date): Promise<ReconciliationRun | undefined> {
  const [run] = await tx
    .select()
    .from(reconciliationRuns)
    .where(and(eq(reconciliationRuns.status, 'running'), gte(reconciliationRuns.startedAt, since)))
    .orderBy(desc(reconciliationRuns.startedAt))
    .limit(1);
  return run;
}

/** Writes a run's outcome once: only while it is still running; false when it had finished already. */
export async function finishRun(
  tx: Tx,
  id: string,
  outcome: { status: 'matched' | 'mismatched' | 'failed'; checked: Record<string, number>; findings: ReconciliationFinding[]; error?: string },
): Promise<boolean> {
  const rows = await tx
    .update(reconciliationRuns)
    .set({ status: outcome.status, checked: outcome.checked, findings: outcome.findings, error: outcome.error?.slice(0, 1000) ?? null, finishedAt: sql`now()` })
    .where(and(eq(reconciliationRuns.id, id), eq(reconciliationRuns.status, 'running')))
    .returning({ id: reconciliationRuns.id });
  return rows.length > 0;
}

/** Records who asked for the replay of a run's missing events, and when. */
export async function markReplayed(tx: Tx, id: string, staffId: string): Promise<void> {
  await tx
    .update(reconciliationRuns)
    .set({ replayedAt: sql`now()`, replayedBy: staffId })
    .where(eq(reconciliationRuns.id, id));
}

const ledgerColumns = {
  id: donations.id,
  supporterId: donations.supporterId,
  entry: donations.entry,
  amount: donations.amount,
  receivedAt: donations.receivedAt,
  stripeChargeId: donations.stripeChargeId,
  stripeInvoiceId: donations.stripeInvoiceId,
  stripeRefundId: donations.stripeRefundId,
  stripeDisputeId: donations.stripeDisputeId,
};

/** The ledger's Stripe rows received in the window (both ends included). */
export async function listLedgerRowsBetween(tx: Tx, start: Date, end: Date): Promise<LedgerRow[]> {
  return tx
    .select(ledgerColumns)
    .from(donations)
    .where(and(eq(donations.channel, 'stripe'), gte(donations.receivedAt, start), lte(donations.receivedAt, end)));
}

/** The ledger's Stripe rows carrying any of these Stripe ids, whenever they were received. */
export async function findLedgerRowsByStripeIds(tx: Tx, ids: string[]): Promise<LedgerRow[]> {
  const found: LedgerRow[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    found.push(
      ...(await tx
        .select(ledgerColumns)
        .from(donations)
        .where(
          and(
            eq(donations.channel, 'stripe'),
            or(
              inArray(donations.stripeChargeId, chunk),
              inArray(donations.stripeInvoiceId, chunk),
              inArray(donations.stripeRefundId, chunk),
              inArray(donations.stripeDisputeId, chunk),
            ),
          ),
        )),
    );
  }
  return [...new Map(found.map((r) => [r.id, r])).values()];
}

/** Who is told about a mismatch: active finance staff, or the admins when there is no finance staff. */
export async function listAlertRecipients(tx: Tx): Promise<{ id: string; email: string; name: string }[]> {
  const active = (role: 'finance' | 'admin') =>
    tx
      .select({ id: staff.id, email: staff.email, name: staff.name })
      .from(staff)
      .where(and(eq(staff.role, role), eq(staff.isActive, true)));
  const finance = await active('finance');
  return finance.length > 0 ? finance : active('admin');
}

/**
 * Makes a stored webhook event waiting again, so its job applies it once more. Handlers write through
 * unique keys, so what the ledger has already is not written twice.
 */
export async function reopenEvent(tx: Tx, eventId: string): Promise<void> {
  await tx.update(stripeEvents).set({ processedAt: null, lastError: null }).where(eq(stripeEvents.id, eventId));
}
