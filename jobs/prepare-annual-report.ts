import type { AppContext } from '../src/context';
import { prepareDraftAndTellStaff } from '../src/features/annual-reports';
import { tokyoYear } from '../src/lib/dates';
import type { JobPayload } from '../src/lib/job-contracts';
import { now } from '../src/lib/clock';

/** Prepares the annual report of the year before (or of `year`) as a draft and emails report staff once. */
export async function prepareAnnualReport(payload: JobPayload<'prepare-annual-report'>, ctx: AppContext): Promise<void> {
  const year = payload.year ?? tokyoYear(now()) - 1;
  const result = await prepareDraftAndTellStaff(ctx.db, year);
  ctx.logger.info({ year, created: result.created, told: result.told }, 'prepare-annual-report');
}
