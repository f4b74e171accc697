import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { stripeEvents } from '../../db/schema';

export type StoredEvent = typeof stripeEvents.$inferSelect;

/** Stores an event once by its id; true when this call stored it. */
export async function insertEventOnce(
  tx: Tx,
  event: { id: string; type: string; api_version: string | null; created: number; data: { object: unknown } },
): Promise<boolean> {
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

export async function markEventProcessed(tx: Tx, id: string, note?: string): Promise<void> {
  await tx
    .update(stripeEvents)
    .set({ processedAt: sql`now()`, attempts: sql`${stripeEvents.attempts} + 1`, lastError: note ?? null })
    .where(eq(stripeEvents.id, id));
}

export async function recordEventFailure(tx: Tx, id: string, error: string): Promise<void> {
  await tx
    .update(stripeEvents)
    .set({ attempts: sql`${stripeEvents.attempts} + 1`, lastError: error.slice(0, 1000) })
    .where(eq(stripeEvents.id, id));
}
