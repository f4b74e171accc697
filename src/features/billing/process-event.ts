import type { Db } from '../../db/client';
import { eventHandlers } from './event-handlers';
import { findEvent, markEventProcessed, recordEventFailure } from './events.repo';
import type { StripeGateway } from './stripe-gateway';

/**
 * Processes one stored webhook event. Already processed events and unknown types are no-ops;
 * a failure is recorded on the event and rethrown so the job retries with backoff.
 */
export async function processStripeEvent(deps: { db: Db; gateway: StripeGateway }, eventId: string): Promise<string> {
  const event = await findEvent(deps.db, eventId);
  if (!event) return 'missing';
  if (event.processedAt) return 'already processed';
  const handler = eventHandlers[event.type];
  if (!handler) {
    await markEventProcessed(deps.db, event.id, 'ignored: no handler for this type');
    return 'ignored';
  }
  const object = (event.payload as { data: { object: { id: string } } }).data.object;
  try {
    const note = await handler(deps, object);
    await markEventProcessed(deps.db, event.id, note || undefined);
    return note || 'processed';
  } catch (err) {
    await recordEventFailure(deps.db, event.id, err instanceof Error ? err.message : String(err));
    throw err;
  }
}
