import { enqueueJob } from '../../lib/enqueue';
import type { Tx } from '../../db/client';
import { insertDeliveries } from './audience';
import {
  changeNewsletterStatus,
  countDeliveriesByStatus,
  markNewsletterSending,
  requeueFailed,
  selectDeliveries,
  lockNewsletterStatus,
  type DeliveryStatus,
} from './deliveries.repo';

// The console's side of sending. Each function takes the caller's transaction (or the database) and
// writes its `send-newsletter` job through the outbox, so nothing is sent unless the change commits.
// Staff-facing callers should wrap the call in `db.transaction(...)`.

export type { DeliveryStatus } from './deliveries.repo';

/**
 * Starts sending a draft or scheduled newsletter: status → `sending`, one queued delivery per recipient
 * of its audience (all written before any mail leaves), and the send job; `isPublic` puts it in the
 * public archive (default: only an issue to everyone). Does nothing when the
 * newsletter is in any other status (a second call, a paused or sent issue): `started` is then false.
 */
export async function startSending(
  tx: Tx,
  newsletterId: string,
  staffId: string | null = null,
  opts: { isPublic?: boolean } = {},
): Promise<{ started: boolean; recipients: number }> {
  const audience = await markNewsletterSending(tx, newsletterId, staffId, opts.isPublic);
  if (!audience) return { started: false, recipients: 0 };
  const recipients = await insertDeliveries(tx, newsletterId, audience);
  await enqueueJob(tx, 'send-newsletter', { newsletterId });
  return { started: true, recipients };
}

/** Pauses a sending newsletter (workers stop within about a second); false when it was not sending. */
export async function pauseSending(tx: Tx, newsletterId: string): Promise<boolean> {
  return changeNewsletterStatus(tx, newsletterId, ['sending'], 'paused');
}

/** Resumes a paused newsletter and queues its send job again; false when it was not paused. */
export async function resumeSending(tx: Tx, newsletterId: string): Promise<boolean> {
  if (!(await changeNewsletterStatus(tx, newsletterId, ['paused'], 'sending'))) return false;
  await enqueueJob(tx, 'send-newsletter', { newsletterId });
  return true;
}

/**
 * Queues the failed deliveries again (attempts from zero), except those whose supporter bounced,
 * unsubscribed or was erased since. A sent newsletter goes back to `sending`; a paused one stays paused
 * until resumed. Returns how many deliveries were queued again.
 */
export async function resendFailed(tx: Tx, newsletterId: string): Promise<number> {
  // The lock keeps a worker from marking the newsletter sent while these rows are queued again.
  const status = await lockNewsletterStatus(tx, newsletterId);
  if (status !== 'sending' && status !== 'paused' && status !== 'sent') return 0;
  const requeued = await requeueFailed(tx, newsletterId);
  if (requeued === 0) return 0;
  if (status === 'sent') await changeNewsletterStatus(tx, newsletterId, ['sent'], 'sending');
  if (status !== 'paused') await enqueueJob(tx, 'send-newsletter', { newsletterId });
  return requeued;
}

export interface DeliveryProgress {
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  skipped: number;
  total: number;
}

/** How many deliveries of the newsletter are in each status, and in all. */
export async function deliveryProgress(tx: Tx, newsletterId: string): Promise<DeliveryProgress> {
  const counts = await countDeliveriesByStatus(tx, newsletterId);
  return { ...counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
}

export const DELIVERIES_PAGE_SIZE = 50;

export interface DeliveryListItem {
  id: number;
  supporterId: string;
  name: string;
  email: string;
  locale: 'ja' | 'en';
  status: DeliveryStatus;
  attempts: number;
  sentAt: Date | null;
  /** SMTP reply of a failure, or why the row was skipped ('unsubscribed', 'bounced', 'erased', 'merged'). */
  reason: string | null;
}

/** One page (1-based, DELIVERIES_PAGE_SIZE rows in id order) of a newsletter's deliveries, optionally of one status. */
export async function listDeliveries(
  tx: Tx,
  newsletterId: string,
  opts: { status?: DeliveryStatus; page?: number } = {},
): Promise<{ rows: DeliveryListItem[]; total: number; page: number; pageCount: number }> {
  const page = Math.max(1, Math.floor(opts.page ?? 1) || 1);
  const { rows, total } = await selectDeliveries(tx, newsletterId, { status: opts.status, limit: DELIVERIES_PAGE_SIZE, offset: (page - 1) * DELIVERIES_PAGE_SIZE });
  return { rows, total, page, pageCount: Math.max(1, Math.ceil(total / DELIVERIES_PAGE_SIZE)) };
}
