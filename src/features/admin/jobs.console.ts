import type { Job } from 'bullmq';
import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import { t, tOrValue, type Locale } from '../../lib/i18n';
import { queueNames, type QueueName } from '../../lib/job-contracts';
import { route, type AdminRoute } from '../../web/route-table';
import { recordAudit } from '../audit';

// The console's own jobs page, in both languages: per queue how many jobs wait, run, wait to retry
// and failed, the failed ones with their cause in plain words, and a button to run one again.

const FAILED_SHOWN = 20;
const counted = ['waiting', 'active', 'delayed', 'failed'] as const;

/** A job's error in words a person can act on (the message itself stays under "technical detail"). */
export function plainCause(reason: string): 'timeout' | 'smtp' | 'network' | 'stripe' | 'database' | 'payload' | 'other' {
  if (/timed? ?out|timeout/i.test(reason)) return 'timeout';
  if (/smtp|EENVELOPE|EAUTH|EMESSAGE|mail server|\b5\d\d \d\.\d\.\d/i.test(reason)) return 'smtp';
  if (/ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|socket|fetch failed|network/i.test(reason)) return 'network';
  if (/stripe/i.test(reason)) return 'stripe';
  if (/relation|duplicate key|violates|deadlock|database|sql/i.test(reason)) return 'database';
  if (/zod|invalid|payload|expected .* received/i.test(reason)) return 'payload';
  return 'other';
}

const isQueueName = (value: unknown): value is QueueName => typeof value === 'string' && (queueNames as readonly string[]).includes(value);

function failedView(locale: Locale, queue: QueueName, job: Job) {
  const reason = job.failedReason ?? '';
  return {
    id: job.id,
    queue,
    name: tOrValue(locale, 'admin.jobs.name.', job.name),
    failedAt: job.finishedOn ? new Date(job.finishedOn) : undefined,
    attempts: job.attemptsMade,
    cause: t(locale, `admin.jobs.error.${plainCause(reason)}`),
    technical: reason.slice(0, 500),
  };
}

/** The jobs page and its retry button (admins: jobs:view to look, jobs:retry to run a job again). */
export function jobsConsoleRoutes(ctx: AppContext): AdminRoute[] {
  async function renderPage(req: Request, res: Response, status = 200, messages: { notice?: string; error?: string } = {}) {
    const locale = req.locale;
    const queues = await Promise.all(
      queueNames.map(async (name) => {
        const queue = ctx.queues.get(name);
        const counts = await queue.getJobCounts(...counted);
        const failed = await queue.getFailed(0, FAILED_SHOWN - 1);
        return {
          name,
          label: t(locale, `admin.jobs.queue.${name}`),
          counts: counted.map((state) => ({ state, label: t(locale, `admin.jobs.state.${state}`), count: counts[state] ?? 0 })),
          failed: failed.filter(Boolean).map((job) => failedView(locale, name, job)),
        };
      }),
    ).catch(() => undefined);
    res.status(status).render('admin/jobs/index', {
      layout: 'admin',
      title: t(locale, 'admin.jobs.title'),
      queues,
      hasFailed: queues?.some((q) => q.failed.length > 0) ?? false,
      shown: FAILED_SHOWN,
      canRetry: req.staff ? res.locals.can?.jobs_retry === true : false,
      csrfToken: req.csrfToken(),
      ...messages,
    });
  }

  return [
    route('get', '/admin/jobs', 'jobs:view', async (req, res) => {
      await renderPage(req, res, 200, { notice: req.query.retried !== undefined ? t(req.locale, 'admin.jobs.retried') : undefined });
    }),
    route('post', '/admin/jobs/:queue/:jobId/retry', 'jobs:retry', async (req, res) => {
      const { queue, jobId } = req.params as Record<string, string>;
      const job = isQueueName(queue) && /^[\w:-]{1,200}$/.test(jobId ?? '') ? await ctx.queues.get(queue).getJob(jobId!) : undefined;
      if (!job || !isQueueName(queue) || (await job.getState()) !== 'failed') return renderPage(req, res, 404, { error: t(req.locale, 'admin.jobs.notFound') });
      await job.retry('failed');
      await recordAudit(ctx.db, { staffId: req.staff!.id, action: 'job.retry', targetType: 'job', targetId: `${queue}:${jobId}`, detail: { queue, job: job.name }, ip: req.ip });
      res.redirect(303, '/admin/jobs?retried');
    }),
  ];
}
