import type { JobName, JobPayload } from '../src/lib/job-contracts';

interface Schedule<N extends JobName> {
  id: string;
  job: N;
  /** cron pattern, evaluated in Asia/Tokyo */
  pattern: string;
  payload: JobPayload<N>;
}

// Recurring jobs. Each is upserted by id at worker start, so restarts and many workers never duplicate it.
export const schedules: Schedule<JobName>[] = [
  { id: 'prune-sessions-nightly', job: 'prune-sessions', pattern: '15 3 * * *', payload: {} },
  { id: 'start-due-newsletters', job: 'start-due-newsletters', pattern: '* * * * *', payload: {} },
  { id: 'reconcile-stripe-nightly', job: 'reconcile-stripe', pattern: '30 4 * * *', payload: {} },
  // 5 January, 09:00 in Japan: last year's report as a draft for staff to review (nothing is sent).
  { id: 'prepare-annual-report-january', job: 'prepare-annual-report', pattern: '0 9 5 1 *', payload: {} },
];
