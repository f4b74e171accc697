import type { AppContext } from '../src/context';
import { runNewsletterRhythm } from '../src/features/newsletters';
import type { JobPayload } from '../src/lib/job-contracts';
import { now } from '../src/lib/clock';

/** Starts the scheduled newsletters that are due and reminds newsletter staff when a month has none. */
export async function startDueNewsletters(_payload: JobPayload<'start-due-newsletters'>, ctx: AppContext): Promise<void> {
  const settings = await ctx.settings.get();
  const run = await runNewsletterRhythm(ctx.db, settings, now());
  if (run.started.length > 0 || run.held.length > 0 || run.reminded > 0) {
    ctx.logger.info({ started: run.started, held: run.held, reminded: run.reminded, month: run.reminderMonth }, 'start-due-newsletters');
  }
  for (const id of run.held) ctx.logger.warn({ newsletterId: id }, 'scheduled newsletter held: the footer has no postal address');
  for (const failure of run.failed) ctx.logger.warn({ newsletterId: failure.id, err: failure.error }, 'newsletter could not be started');
  // Failing the job shows it in /admin/jobs; the next minute tries the issue again.
  if (run.failed.length > 0) throw new Error(`${run.failed.length} due newsletter(s) could not be started: ${run.failed.map((f) => f.id).join(', ')}`);
}
