import { desc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { exportRuns, staff, type ReplacedCharacter } from '../../db/schema';
import { now } from '../../lib/clock';

export type ExportRun = typeof exportRuns.$inferSelect;
export type ExportKind = ExportRun['kind'];

/** Opens a run; with an id the page chose (to find the report afterwards) unless that id is taken. */
export async function insertExportRun(
  tx: Tx,
  run: { id?: string; kind: ExportKind; staffId: string | null; source: 'console' | 'cli'; params: Record<string, unknown> },
): Promise<ExportRun> {
  if (run.id) {
    const [row] = await tx.insert(exportRuns).values(run).onConflictDoNothing().returning();
    if (row) return row;
  }
  const [row] = await tx
    .insert(exportRuns)
    .values({ ...run, id: undefined })
    .returning();
  return row!;
}

export async function finishExportRun(tx: Tx, id: string, outcome: { status: 'done' | 'aborted' | 'failed'; rowCount: number; replacements: ReplacedCharacter[] }): Promise<void> {
  await tx
    .update(exportRuns)
    .set({ ...outcome, finishedAt: now() })
    .where(eq(exportRuns.id, id));
}

export async function findExportRun(tx: Tx, id: string): Promise<ExportRun | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const [row] = await tx.select().from(exportRuns).where(eq(exportRuns.id, id));
  return row;
}

/** The latest runs with the name of who ran them (null from the command line). */
export async function listRecentExportRuns(tx: Tx, limit = 10): Promise<(ExportRun & { staffName: string | null })[]> {
  const rows = await tx
    .select({ run: exportRuns, staffName: staff.name })
    .from(exportRuns)
    .leftJoin(staff, eq(staff.id, exportRuns.staffId))
    .orderBy(desc(exportRuns.startedAt))
    .limit(limit);
  return rows.map((r) => ({ ...r.run, staffName: r.staffName }));
}
