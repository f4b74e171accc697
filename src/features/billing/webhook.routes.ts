import express, { Router } from 'express';
import { enqueueJob } from '../../../jobs/enqueue';
import type { AppContext } from '../../context';
import { insertEventOnce } from './events.repo';
import type { StripeGateway } from './stripe-gateway';

/**
 * POST /webhooks/stripe: verify the signature on the raw body, store the event once (inbox) with
 * its processing job in one transaction, answer 200. Mounted before any body parser.
 */
export function webhookRoutes(ctx: AppContext, gateway: StripeGateway): Router {
  const router = Router();
  router.post('/webhooks/stripe', express.raw({ type: () => true, limit: '512kb' }), async (req, res) => {
    const signature = req.get('stripe-signature');
    if (!signature) return res.status(400).json({ error: 'missing Stripe-Signature header' });
    if (!Buffer.isBuffer(req.body)) return res.status(400).json({ error: 'empty body' });
    let event;
    try {
      event = gateway.constructEvent(req.body, signature);
    } catch {
      return res.status(400).json({ error: 'invalid signature' });
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
