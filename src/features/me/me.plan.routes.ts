import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { hasControlCharacters } from '../../lib/text';
import { t, translateKey } from '../../lib/i18n';
import { AlreadyMonthly, MAX_GIFT, MIN_GIFT, startGiftCheckoutFor, startMonthlyCheckoutFor } from '../giving';
import { listSubscriptionsOf } from './me.repo';
import {
  NoLiveSubscription,
  changeMyPlan,
  isPlanAmount,
  isStopping,
  lastChargeOf,
  liveSubscription,
  openBillingPortal,
  resumeMySubscription,
  startCancelling,
  stopDateOf,
} from './me.service';
import { requireSupporter } from './me.session';
import { formProblem } from '../../web/form-errors';

const planField = z.enum(['1000', '5000', '10000']).transform(Number);
const reasonField = z
  .string()
  .optional()
  .transform((v) => (v ?? '').replace(/\r\n?/g, '\n').trim())
  .refine((v) => !hasControlCharacters(v.replace(/\n/g, ' ')), 'me.cancel.reasonControl')
  .refine((v) => v.length <= 1000, 'me.cancel.reasonTooLong');

/** The gift amount of the "give once" form: digits (full-width, commas and 円 allowed) within the limits. */
function parseGiftAmount(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 20) return undefined;
  const raw = value.normalize('NFKC').replace(/[,円¥￥\s]/g, '');
  const amount = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(amount) && amount >= MIN_GIFT && amount <= MAX_GIFT ? amount : undefined;
}

/** Change plan (with a confirmation step), cancel (offer ¥1,000 first), undo a stop, card, start again, give once. */
export function mePlanRoutes(ctx: AppContext): Router {
  const router = Router();
  const deps = { db: ctx.db, gateway: ctx.stripe, publicUrl: ctx.config.publicUrl };
  const back = (done: string) => `${ctx.config.publicUrl}/me?done=${done}`;

  async function current(req: Request) {
    return liveSubscription(await listSubscriptionsOf(ctx.db, req.supporter!.id));
  }

  // When the plan can't be changed or stopped (a stop is already scheduled, or giving has ended): a page
  // that says why and offers what can be done instead. GET answers 200, a form sent anyway 409.
  async function explainState(req: Request, res: Response, asked: 'plan' | 'cancel') {
    const subscriptions = await listSubscriptionsOf(ctx.db, req.supporter!.id);
    const subscription = liveSubscription(subscriptions);
    const stopping = subscription && isStopping(subscription) ? { subscription, stopsAt: stopDateOf(subscription) } : undefined;
    const title = stopping ? 'me.state.stoppingTitle' : subscriptions.length > 0 ? 'me.state.endedTitle' : 'me.state.noneTitle';
    res.status(req.method === 'GET' ? 200 : 409).render('me/state', {
      title: t(req.locale, title),
      stopping,
      lead: stopping ? t(req.locale, asked === 'plan' ? 'me.state.stoppingPlan' : 'me.state.stoppingCancel') : undefined,
      csrfToken: req.csrfToken(),
    });
  }
  const gone = explainState;

  // The confirmation step: what changes, and from which charge.
  router.get('/me/plan', requireSupporter, async (req, res) => {
    const amount = planField.safeParse(req.query.amount);
    const subscription = await current(req);
    if (!subscription || isStopping(subscription)) return gone(req, res, 'plan');
    if (!amount.success || !isPlanAmount(amount.data)) return res.redirect(302, '/me#plan');
    res.render('me/plan', {
      title: t(req.locale, 'me.plan.title'),
      subscription,
      amount: amount.data,
      isSame: amount.data === subscription.amount,
      csrfToken: req.csrfToken(),
    });
  });

  router.post('/me/plan', requireSupporter, async (req, res) => {
    const amount = planField.safeParse(req.body?.amount);
    if (!amount.success || !isPlanAmount(amount.data)) {
      return res.status(422).render('errors/error', { status: 422, title: t(req.locale, 'me.plan.title'), message: t(req.locale, 'me.plan.badAmount') });
    }
    try {
      await changeMyPlan(ctx.db, ctx.stripe, req.supporter!, amount.data);
    } catch (err) {
      if (err instanceof NoLiveSubscription) return gone(req, res, 'plan');
      throw err;
    }
    res.redirect(303, '/me?done=plan');
  });

  // What the cancel page states plainly: no charge on the period end, and the last charge that carries support until then.
  async function cancelPage(req: Request, subscription: NonNullable<Awaited<ReturnType<typeof current>>>) {
    return {
      title: t(req.locale, 'me.cancel.title'),
      subscription,
      lastPaidAt: await lastChargeOf(ctx.db, req.supporter!, subscription.id),
      canStepDown: subscription.amount > 1000,
      csrfToken: req.csrfToken(),
    };
  }

  router.get('/me/cancel', requireSupporter, async (req, res) => {
    const subscription = await current(req);
    if (!subscription || isStopping(subscription)) return gone(req, res, 'cancel');
    res.render('me/cancel', await cancelPage(req, subscription));
  });

  router.post('/me/cancel', requireSupporter, async (req, res) => {
    const reason = reasonField.safeParse(req.body?.reason);
    const subscription = await current(req);
    if (!subscription || isStopping(subscription)) return gone(req, res, 'cancel');
    if (!reason.success) {
      return res.status(422).render('me/cancel', {
        ...(await cancelPage(req, subscription)),
        reason: typeof req.body?.reason === 'string' ? req.body.reason.slice(0, 2000) : '',
        ...formProblem(translateKey(req.locale, reason.error.issues[0]?.message ?? 'me.cancel.reasonTooLong'), 'reason'),
      });
    }
    try {
      res.redirect(303, await startCancelling(ctx.db, ctx.stripe, req.supporter!, reason.data, back('cancel')));
    } catch (err) {
      if (err instanceof NoLiveSubscription) return gone(req, res, 'cancel');
      throw err;
    }
  });

  // Undo a scheduled stop, straight from My page (no second trip through the portal).
  router.post('/me/resume', requireSupporter, async (req, res) => {
    try {
      await resumeMySubscription(ctx.db, ctx.stripe, req.supporter!);
    } catch (err) {
      if (err instanceof NoLiveSubscription) return res.redirect(303, '/me#plan');
      throw err;
    }
    res.redirect(303, '/me?done=resume');
  });

  router.post('/me/card', requireSupporter, async (req, res) => {
    try {
      res.redirect(303, await openBillingPortal(ctx.stripe, req.supporter!, back('card')));
    } catch (err) {
      if (err instanceof NoLiveSubscription) return gone(req, res, 'plan');
      throw err;
    }
  });

  router.post('/me/restart', requireSupporter, async (req, res) => {
    const amount = planField.safeParse(req.body?.plan);
    if (!amount.success || !isPlanAmount(amount.data)) {
      return res.status(422).render('errors/error', { status: 422, title: t(req.locale, 'me.plan.title'), message: t(req.locale, 'me.plan.badAmount') });
    }
    try {
      res.redirect(303, await startMonthlyCheckoutFor(deps, req.supporter!, amount.data, req.supporter!.locale, `${ctx.config.publicUrl}/me`));
    } catch (err) {
      if (err instanceof AlreadyMonthly) return res.redirect(303, '/me');
      throw err;
    }
  });

  router.post('/me/give', requireSupporter, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const amount = parseGiftAmount(body.amount === 'other' ? body.custom_amount : body.amount);
    if (amount === undefined) {
      return res.status(422).render('errors/error', {
        status: 422,
        title: t(req.locale, 'me.give.title'),
        message: t(req.locale, 'giving.errors.amount', { min: MIN_GIFT.toLocaleString('ja-JP'), max: MAX_GIFT.toLocaleString('ja-JP') }),
      });
    }
    res.redirect(303, await startGiftCheckoutFor(deps, req.supporter!, amount, req.supporter!.locale, `${ctx.config.publicUrl}/me`));
  });

  return router;
}
