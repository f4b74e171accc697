import { Worker, type Job } from 'bullmq';
import type { AppContext } from '../src/context';
import { connectRedis } from '../src/lib/queue';
import { splitJobData } from '../src/lib/outbox';
import { runWithRequestId } from '../src/lib/request-context';
import { isJobName, jobContracts, parsePayload, queueNames, type JobName, type JobPayload, type QueueName } from '../src/lib/job-contracts';
import { pruneSessions } from './prune-sessions';
import { schedules } from './schedules';
import { processStripeEventJob } from './process-stripe-event';
import { reconcileStripe } from './reconcile-stripe';
import { replayStripeEvents } from './replay-stripe-events';
import { sendNewsletterJob } from './send-newsletter';
import { startDueNewsletters } from './start-due-newsletters';
import { prepareAnnualReport } from './prepare-annual-report';
import { sendEmail } from './send-email';
import { sendLoginLink } from './send-login-link';

type Processor<N extends JobName> = (payload: JobPayload<N>, ctx: AppContext) => Promise<void>;

// The job list: every job name maps to its processor; a job without one does not compile.
export const processors = {
  'send-email': sendEmail,
  'send-login-link': sendLoginLink,
  'prune-sessions': pruneSessions,
  'process-stripe-event': processStripeEventJob,
  'reconcile-stripe': reconcileStripe,
  'replay-stripe-events': replayStripeEvents,
  'send-newsletter': sendNewsletterJob,
  'start-due-newsletters': startDueNewsletters,
  'prepare-annual-report': prepareAnnualReport,
} satisfies { [N in JobName]: Processor<N> };

// How many jobs of each queue one worker process runs at once.
const concurrency: Record<QueueName, number> = { email: 5, default: 2, billing: 4, newsletter: 2 };

export interface RunningWorker {
  close(): Promise<void>;
}

/** Runs one processor after validating its payload against the contract. */
export async function runJob(name: string, data: unknown, ctx: AppContext): Promise<void> {
  if (!Object.hasOwn(processors, name)) throw new Error(`no processor for job ${name}`);
  const jobName = name as JobName;
  const processor = processors[jobName] as Processor<JobName>;
  await processor(parsePayload(jobName, data), ctx);
}

/** The request id a job runs under: the one that caused it, or for a scheduled job one made from its job id. */
function requestIdOf(job: Job | undefined): string {
  return splitJobData(job?.data).requestId ?? `job-${job?.id ?? ''}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
}

/**
 * Runs a job under the request id that caused it, so every log line of the job and every job it
 * writes to the outbox carry that id; one line when it is done.
 */
async function runTracedJob(queue: QueueName, job: Job, ctx: AppContext): Promise<void> {
  const { payload } = splitJobData(job.data);
  await runWithRequestId(requestIdOf(job), async () => {
    const started = process.hrtime.bigint();
    await runJob(job.name, payload, ctx);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    ctx.logger.info({ queue, job: job.name, jobId: job.id, ms: Math.round(ms * 10) / 10 }, 'job done');
  });
}

/** Starts BullMQ workers for every queue, the recurring schedules and the outbox dispatcher. */
export async function startWorker(ctx: AppContext): Promise<RunningWorker> {
  const connection = connectRedis(ctx.redisUrl);
  // Counted by this process: each worker process answers /metrics with its own counts.
  const outcomes = {
    completed: ctx.metrics.counter({ name: 'jobs_completed_total', help: 'Jobs this worker process completed, by queue and job', labelNames: ['queue', 'job'] }),
    failed: ctx.metrics.counter({
      name: 'jobs_failed_total',
      help: 'Failed job attempts in this worker process, by queue and job (a job retries until its attempts are used up)',
      labelNames: ['queue', 'job'],
    }),
  };
  const labelsOf = (queue: QueueName, job: Job | undefined) => ({ queue, job: job && isJobName(job.name) ? job.name : 'unknown' });
  const workers = queueNames.map((queue) => {
    const worker = new Worker(queue, (job: Job) => runTracedJob(queue, job, ctx), {
      connection,
      prefix: ctx.config.queuePrefix,
      concurrency: concurrency[queue],
    });
    worker.on('completed', (job) => outcomes.completed.inc(labelsOf(queue, job)));
    worker.on('failed', (job, err) => {
      outcomes.failed.inc(labelsOf(queue, job));
      ctx.logger.warn({ requestId: requestIdOf(job), queue, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed');
    });
    worker.on('error', (err) => ctx.logger.warn({ err: err.message }, 'worker error'));
    return worker;
  });
  for (const s of schedules) {
    await ctx.queues.get(jobContracts[s.job].queue).upsertJobScheduler(s.id, { pattern: s.pattern, tz: 'Asia/Tokyo' }, { name: s.job, data: s.payload });
  }
  ctx.dispatcher.start();
  ctx.logger.info({ queues: queueNames }, 'worker started');
  return {
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      connection.disconnect();
    },
  };
}
