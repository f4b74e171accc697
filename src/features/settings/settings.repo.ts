import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { settings } from '../../db/schema';

/** Inserts each default section that is not stored yet (never overwrites staff edits). */
export async function insertMissingSettings(tx: Tx, defaults: Record<string, unknown>): Promise<void> {
  const rows = Object.entries(defaults).map(([key, value]) => ({ key, value }));
  if (rows.length > 0) await tx.insert(settings).values(rows).onConflictDoNothing();
}

export async function selectAllSettings(tx: Tx): Promise<{ key: string; value: unknown }[]> {
  return tx.select({ key: settings.key, value: settings.value }).from(settings);
}

export async function upsertSetting(tx: Tx, key: string, value: unknown): Promise<void> {
  await tx
    .insert(settings)
    .values({ key, value })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: sql`now()` } });
}
