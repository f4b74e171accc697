import { enqueueJob } from '../../lib/enqueue';
import type { ReconciliationFinding } from '../../db/schema';
import { recordAudit } from '../audit';
import { idOf, insertEventOnce, WEBHOOK_EVENTS, type Stripe } from '../billing';
import { findRun, reopenEvent } from './reconciliation.repo';
import type { ReconcileDeps } from './reconciliation.service';

// The events whose handlers write the ledger rows a run can find missing.
const REPLAYED_TYPES = ['checkout.session.completed', 'invoice.paid', 'charge.refunded', 'charge.dispute.created'].filter((t) => (WEBHOOK_EVENTS as string[]).includes(t));

/** The key an event is matched on: the object its handler re-reads, as the missing item leads to it. */
function keyOf(event: Stripe.Event): string | undefined {
  const object = event.data.object as { id?: string; payment_intent?: string | { id: string } | null };
  if (event.type === 'checkout.session.completed') return object.payment_intent ? `pi:${idOf(object.payment_intent)}` : undefined;
  if (event.type === 'invoice.paid') return `invoice:${object.id}`;
  if (event.type === 'charge.refunded') return `charge:${object.id}`;
  if (event.type === 'charge.dispute.created') return `dispute:${object.id}`;
  return undefined;
}

/**
 * For each missing item, the event keys that would bring it back: an invoice by its invoice.paid; a
 * charge by the checkout session of its payment intent or the invoice that payment paid; a refund by
 * its charge's charge.refunded; a dispute by its charge.dispute.created.
 */
async function wantedKeys(deps: ReconcileDeps, missing: ReconciliationFinding[]): Promise<Map<string, string>> {
  const wanted = new Map<string, string>();
  for (const item of missing) {
    if (item.object === 'invoice') wanted.set(`invoice:${item.stripeId}`, item.stripeId);
    if (item.object === 'dispute') wanted.set(`dispute:${item.stripeId}`, item.stripeId);
    if (item.object === 'refund') {
      const charge = idOf((await deps.gateway.retrieveRefundIfExists(item.stripeId))?.charge);
      if (charge) wanted.set(`charge:${charge}`, item.stripeId);
    }
    if (item.object === 'charge') {
      const intent = idOf((await deps.gateway.retrieveChargeIfExists(item.stripeId))?.payment_intent);
      if (!intent) continue;
      wanted.set(`pi:${intent}`, item.stripeId);
      for (const invoice of await deps.gateway.listInvoiceIdsPaidBy(intent)) wanted.set(`invoice:${invoice}`, item.stripeId);
    }
  }
  return wanted;
}

export type ReplayResult = { outcome: 'missing' | 'nothing to replay' } | { outcome: 'replayed'; events: number; notFound: string[] };

/**
 * Fetches again from Stripe the events behind a run's missing_in_ledger items, stores each in the
 * inbox (or makes it waiting again when it was processed) with its process-stripe-event job. Safe to
 * repeat: handlers re-read Stripe and write through unique keys.
 */
export async function replayMissingEvents(deps: ReconcileDeps, runId: string): Promise<ReplayResult> {
  const run = await findRun(deps.db, runId);
  if (!run) return { outcome: 'missing' };
  const missing = run.findings.filter((f) => f.kind === 'missing_in_ledger');
  if (missing.length === 0) return { outcome: 'nothing to replay' };

  const wanted = await wantedKeys(deps, missing);
  // Oldest first, as Stripe sent them (lists are newest first).
  const events = (await deps.gateway.listEventsSince(REPLAYED_TYPES, run.windowStart)).filter((e) => wanted.has(keyOf(e) ?? '')).reverse();
  const found = new Set(events.map((e) => wanted.get(keyOf(e)!)));
  for (const event of events) {
    await deps.db.transaction(async (tx) => {
      if (!(await insertEventOnce(tx, event))) await reopenEvent(tx, event.id);
      await enqueueJob(tx, 'process-stripe-event', { eventId: event.id });
    });
  }
  // Stripe keeps events for 30 days: an item older than that has none left to replay.
  const notFound = missing.map((f) => f.stripeId).filter((id) => !found.has(id));
  await recordAudit(deps.db, {
    action: 'reconciliation.replayed',
    targetType: 'reconciliation_run',
    targetId: run.id,
    detail: { events: events.map((e) => `${e.type} ${e.id}`), notFound },
  });
  return { outcome: 'replayed', events: events.length, notFound };
}
