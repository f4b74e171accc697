import type { Writable } from 'node:stream';
import type { Settings } from '../../../config/organisation';
import type { Db } from '../../db/client';
import type { Locale } from '../../lib/i18n';
import { recordAudit } from '../audit';
import { ExportAborted, writeDonationsExport, type ExportResult } from './donations-export';
import type { DonationsExportQuery } from './exports.schemas';
import { finishExportRun, insertExportRun, type ExportKind, type ExportRun } from './exports.repo';

export interface ExportDeps {
  db: Db;
  settings: { get(): Promise<Settings> };
}

export interface Requester {
  staffId: string | null;
  source: 'console' | 'cli';
  ip?: string;
  /** The id the console page chose for this run, to show its report after the download. */
  runId?: string;
}

/**
 * Runs one export as a recorded run: opened before the first byte, closed with its row count and
 * replaced characters, and written to the audit log (who, what, when, how many rows) however it ends.
 */
export async function recordedExport<T extends { rows: number; replacements?: ExportResult['replacements'] }>(
  db: Db,
  kind: ExportKind,
  params: Record<string, unknown>,
  who: Requester,
  write: () => Promise<T>,
): Promise<{ run: ExportRun; result: T }> {
  const run = await insertExportRun(db, { id: who.runId, kind, staffId: who.staffId, source: who.source, params });
  const close = async (status: 'done' | 'aborted' | 'failed', rows: number, result?: T) => {
    const replacements = result?.replacements ?? [];
    await db.transaction(async (tx) => {
      await finishExportRun(tx, run.id, { status, rowCount: rows, replacements });
      await recordAudit(tx, {
        staffId: who.staffId,
        action: `export.${kind}`,
        targetType: 'export_run',
        targetId: run.id,
        detail: { ...params, source: who.source, status, rows, replaced: replacements.length },
        ip: who.ip,
      });
    });
  };
  try {
    const result = await write();
    await close('done', result.rows, result);
    return { run, result };
  } catch (err) {
    await close(err instanceof ExportAborted ? 'aborted' : 'failed', 0).catch(() => undefined);
    throw err;
  }
}

/** A donations export written to `out`, recorded as a run. */
export async function exportDonations(
  deps: ExportDeps,
  query: DonationsExportQuery,
  lang: Locale,
  who: Requester,
  out: Writable,
): Promise<{ run: ExportRun; result: ExportResult }> {
  const settings = await deps.settings.get();
  const params = { ...query, lang };
  return recordedExport(deps.db, 'donations', params, who, () => writeDonationsExport(deps.db, settings.accounting, { ...query, lang }, out));
}
