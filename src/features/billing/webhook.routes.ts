import express, { Router } from 'express';
import { enqueueJob } from '../../lib/enqueue';
import type { AppContext } from '../../context';
import { concurrencyLimit } from '../../web/concurrency-limit';
import { RETRY_AFTER_SECONDS } from '../../web/unavailable';
import { recordAudit } from '../audit';
import { insertEventOnce } from './events.repo';
import type { StripeGateway } from './stripe-gateway';
import { isSignedInFuture, storableEvent } from './webhook-body';

/**
 * Webhooks one web process stores at once (of its pool of 10 connections), and how many more may wait
 * their turn. Storing one takes a few milliseconds, so a full line clears in about a second; waiting
 * requests have not had their bodies read, so the line costs sockets, not memory.
 */
export const WEBHOOK_CONCURRENCY = { active: 4, waiting: 500 };

/**
 * POST /webhooks/stripe: verify the signature on the raw body, store the event once (inbox) with
 * its processing job in one transaction, answer 200. Mounted before any body parser. At most
 * WEBHOOK_CONCURRENCY.active are stored at once, so a burst of Stripe's retries after an outage
 * leaves database connections for people; beyond the waiting line Stripe is told to retry later.
 */
export function webhookRoutes(ctx: AppContext, gateway: StripeGateway): Router {
  const router = Router();
  const refused = ctx.metrics.counter({ name: 'webhooks_refused_busy_total', help: 'Stripe webhooks answered 503 because this process had too many in hand' });
  const limit = concurrencyLimit({ ...WEBHOOK_CONCURRENCY, retryAfterSeconds: RETRY_AFTER_SECONDS, onRefused: () => refused.inc() });
  router.post('/webhooks/stripe', limit, express.raw({ type: () => true, limit: '512kb' }), async (req, res) => {
    const signature = req.get('stripe-signature');
    if (!signature) return res.status(400).json({ error: 'missing Stripe-Signature header' });
    if (!Buffer.isBuffer(req.body)) return res.status(400).json({ error: 'empty body' });
    // Signature timestamps count in real seconds, whatever the app's clock says.
    if (isSignedInFuture(signature, Math.floor(Date.now() / 1000))) return res.status(400).json({ error: 'signature timestamp is in the future' });
    let event;
    try {
      event = gateway.constructEvent(req.body, signature);
    } catch (err) {
      // A good signature over a body that is not JSON: Stripe sent it (or our secret leaked), so staff should know.
      if (err instanceof SyntaxError) {
        await recordAudit(ctx.db, { action: 'webhook.malformed', detail: { reason: 'not JSON', bytes: req.body.length }, ip: req.ip });
        return res.status(400).json({ error: 'malformed event' });
      }
      return res.status(400).json({ error: 'invalid signature' });
    }
    const shape = storableEvent.safeParse(event);
    if (!shape.success) {
      const problems = shape.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'event'}: ${i.message}`);
      await recordAudit(ctx.db, { action: 'webhook.malformed', detail: { reason: 'unexpected shape', problems, bytes: req.body.length }, ip: req.ip });
      return res.status(400).json({ error: 'malformed event' });
    }
    const stored = await ctx.db.transaction(async (tx) => {
      const isNew = await insertEventOnce(tx, event);
      if (isNew) await enqueueJob(tx, 'process-stripe-event', { eventId: event.id });
      return isNew;
    });
    if (stored) ctx.dispatcher.poke();
    res.json({ received: true, duplicate: !stored });
  });
  return router;
}
