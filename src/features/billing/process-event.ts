import type { Db } from '../../db/client';
import { now } from '../../lib/clock';
import type { Metrics } from '../../lib/metrics';
import { eventHandlers } from './event-handlers';
import { findEvent, markEventProcessed, recordEventFailure } from './events.repo';
import type { StripeGateway } from './stripe-gateway';

// From a few seconds (delivered at once) to Stripe's retries over three days.
const lagBuckets = [0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600, 72 * 3600];

/** Seconds from Stripe creating an event to its effect committed here (delivery, queue and processing). */
function observeWebhookLag(metrics: Metrics, type: string, stripeCreatedAt: Date): void {
  metrics
    .histogram({
      name: 'stripe_webhook_lag_seconds',
      help: "Seconds from a Stripe event's creation to its effect written here (ledger, subscription), by event type",
      labelNames: ['type'],
      buckets: lagBuckets,
    })
    // On the app's clock, as Stripe's `created` is (the sandbox's clock can be moved). `created` has whole
    // seconds, and clocks differ a little: never below zero.
    .observe({ type }, Math.max(0, (now().getTime() - stripeCreatedAt.getTime()) / 1000));
}

/**
 * Processes one stored webhook event. Already processed events and unknown types are no-ops;
 * a failure is recorded on the event and rethrown so the job retries with backoff.
 */
export async function processStripeEvent(deps: { db: Db; gateway: StripeGateway; metrics?: Metrics }, eventId: string): Promise<string> {
  const event = await findEvent(deps.db, eventId);
  if (!event) return 'missing';
  if (event.processedAt) return 'already processed';
  const handler = eventHandlers[event.type];
  if (!handler) {
    await markEventProcessed(deps.db, event.id, 'ignored: no handler for this type');
    return 'ignored';
  }
  const data = (event.payload as { data: { object: { id: string }; previous_attributes?: Record<string, unknown> } }).data;
  try {
    const note = await handler(deps, data.object, { id: event.id, type: event.type, occurredAt: event.stripeCreatedAt, previousAttributes: data.previous_attributes });
    await markEventProcessed(deps.db, event.id, note || undefined);
    if (deps.metrics) observeWebhookLag(deps.metrics, event.type, event.stripeCreatedAt);
    return note || 'processed';
  } catch (err) {
    await recordEventFailure(deps.db, event.id, err instanceof Error ? err.message : String(err));
    throw err;
  }
}
