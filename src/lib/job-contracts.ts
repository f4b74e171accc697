import { z } from 'zod';

// The job registry: names are a public contract (never renamed), payloads carry ids only.
// `queue` groups jobs that share concurrency and rate limits.
export const jobContracts = {
  'send-email': { queue: 'email', payload: z.object({ emailId: z.number().int().positive() }) },
  'prune-sessions': { queue: 'default', payload: z.object({}) },
  'send-login-link': { queue: 'email', payload: z.object({ linkId: z.uuid() }) },
  'process-stripe-event': { queue: 'billing', payload: z.object({ eventId: z.string().regex(/^evt_\w+$/) }) },
  // Without a runId (the nightly schedule) the job opens its own run; the console's button passes one.
  'reconcile-stripe': { queue: 'billing', payload: z.object({ runId: z.uuid().optional() }) },
  'replay-stripe-events': { queue: 'billing', payload: z.object({ runId: z.uuid() }) },
  // Claims and sends a newsletter's deliveries for about ten seconds, then queues its next run; the
  // chain ends when none is left (the issue becomes sent) or the send is paused.
  'send-newsletter': { queue: 'newsletter', payload: z.object({ newsletterId: z.uuid() }) },
  // Every minute: starts scheduled newsletters that are due, reminds staff when the month has no issue.
  'start-due-newsletters': { queue: 'default', payload: z.object({}) },
  // Every January: prepares the previous year's annual report as a draft and tells report staff; never sends.
  'prepare-annual-report': { queue: 'default', payload: z.object({ year: z.number().int().min(2000).optional() }) },
} as const;

export type JobName = keyof typeof jobContracts;
export type JobPayload<N extends JobName> = z.infer<(typeof jobContracts)[N]['payload']>;
export type QueueName = (typeof jobContracts)[JobName]['queue'];
export const queueNames = [...new Set(Object.values(jobContracts).map((c) => c.queue))] as QueueName[];

/** Validates a payload against its job's schema; throws on a mismatch. */
export function parsePayload<N extends JobName>(name: N, payload: unknown): JobPayload<N> {
  return jobContracts[name].payload.parse(payload) as JobPayload<N>;
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobContracts, name);
}
