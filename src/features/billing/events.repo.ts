import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { stripeEvents } from '../../db/schema';

export type StoredEvent = typeof stripeEvents.$inferSelect;

/** Stores an event once by its id; true when this call stored it. */
export async function insertEventOnce(tx: Tx, event: { id: string; type: string; api_version: string | null; created: number; data: { object: unknown } }): Promise<boolean> {
  const objectId = (event.data.object as { id?: unknown }).id;
  const rows = await tx
    .insert(stripeEvents)
    .values({
      id: event.id,
      type: event.type,
      apiVersion: event.api_version,
      objectId: typeof objectId === 'string' ? objectId : null,
      payload: event,
      stripeCreatedAt: new Date(event.created * 1000),
    })
    .onConflictDoNothing()
    .returning({ id: stripeEvents.id });
  return rows.length > 0;
}

export async function findEvent(tx: Tx, id: string): Promise<StoredEvent | undefined> {
  const [row] = await tx.select().from(stripeEvents).where(eq(stripeEvents.id, id));
  return row;
}

/**
 * Marks an event processed and keeps only what identifies it: the full payload carries names, emails
 * and addresses, and handlers re-read every object from Stripe anyway (data minimisation).
 */
export async function markEventProcessed(tx: Tx, id: string, note?: string): Promise<void> {
  const object = sql`${stripeEvents.payload}->'data'->'object'`;
  await tx
    .update(stripeEvents)
    .set({
      processedAt: sql`now()`,
      attempts: sql`${stripeEvents.attempts} + 1`,
      lastError: note ?? null,
      payload: sql`jsonb_build_object('id', ${stripeEvents.payload}->'id', 'type', ${stripeEvents.payload}->'type', 'created', ${stripeEvents.payload}->'created', 'data', jsonb_build_object('object', jsonb_strip_nulls(jsonb_build_object('id', ${object}->'id', 'object', ${object}->'object', 'customer', ${object}->'customer'))))`,
    })
    .where(eq(stripeEvents.id, id));
}

export async function recordEventFailure(tx: Tx, id: string, error: string): Promise<void> {
  await tx
    .update(stripeEvents)
    .set({ attempts: sql`${stripeEvents.attempts} + 1`, lastError: error.slice(0, 1000) })
    .where(eq(stripeEvents.id, id));
}
