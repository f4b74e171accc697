import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context';
import { pick, t, type Locale } from '../../lib/i18n';
import { shortDescription } from '../settings';
import { fieldErrors, giveFields, giveSchema, joinFields, joinSchema, MAX_GIFT, MIN_GIFT } from './giving.schemas';
import { formErrors, type FormFields } from '../../web/form-errors';
import { startGiftCheckout, startMonthlyCheckout } from './giving.service';
import { findCheckoutSession } from './ledger.repo';
import { createPageCache } from '../../web/page-cache';
import { givingLimits } from './giving.limits';
import type { ConsentSource } from '../supporters';

const PRESET_GIFTS = [3000, 5000, 10000];

/** Strings only, at most 2,000 characters each: what a re-shown form may echo back. */
function echo(body: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && key !== '_csrf') values[key] = value.slice(0, 2000);
  }
  return values;
}

function messages(locale: Locale, errors: Record<string, string>, fields: FormFields) {
  return formErrors(locale, errors, fields, { min: MIN_GIFT.toLocaleString('ja-JP'), max: MAX_GIFT.toLocaleString('ja-JP') });
}

/** /family (join monthly giving), /give (one-time gift) and their thanks pages. */
export function givingRoutes(ctx: AppContext): Router {
  const router = Router();
  const deps = { db: ctx.db, gateway: ctx.stripe, publicUrl: ctx.config.publicUrl };

  const renderCached = createPageCache();
  const limits = givingLimits(ctx);

  async function renderJoin(req: Request, res: Response, status = 200, values: Record<string, string> = {}, errors: Record<string, string> = {}) {
    const settings = await ctx.settings.get();
    const supporterCount = await ctx.supporterCounter.get();
    // A fresh campaign does not announce "0 people": the count appears from the threshold in settings.
    const isCountShown = supporterCount >= Number(settings.familyPage.countThreshold || 0);
    const locals = {
      title: t(req.locale, 'giving.join.title'),
      description: shortDescription(pick(settings.familyPage.lead, req.locale)),
      isCountShown,
      familyPage: settings.familyPage,
      organisation: settings.organisation,
      supporterCount,
      values: { plan: '5000', kind: 'individual', ...values },
      ...messages(req.locale, errors, joinFields),
    };
    // The empty form is the same for everyone but its CSRF token: served from the page cache.
    if (status === 200) return renderCached(req, res, settings, `join:${req.locale}:${supporterCount}:${String(res.locals.meta?.image)}`, 'giving/join', locals);
    res.status(status).render('giving/join', { ...locals, csrfToken: req.csrfToken() });
  }

  async function renderGive(req: Request, res: Response, status = 200, values: Record<string, string> = {}, errors: Record<string, string> = {}) {
    const settings = await ctx.settings.get();
    res.status(status).render('giving/give', {
      title: t(req.locale, 'giving.give.title'),
      organisation: settings.organisation,
      presets: PRESET_GIFTS,
      min: MIN_GIFT,
      max: MAX_GIFT,
      values: { amount: '5000', kind: 'individual', ...values },
      ...messages(req.locale, errors, giveFields),
      csrfToken: req.csrfToken(),
    });
  }

  const consentContext = (req: Request, source: ConsentSource) => ({ source, ip: req.ip, userAgent: req.get('user-agent') });

  router.get('/family', (req, res) => renderJoin(req, res));

  router.post('/family/join', limits.join, async (req, res) => {
    const parsed = joinSchema.safeParse(req.body ?? {});
    if (!parsed.success) return renderJoin(req, res, 422, echo(req.body), fieldErrors(parsed.error));
    // Always on to Checkout, whoever the address belongs to (see startMonthlyCheckout).
    res.redirect(303, await startMonthlyCheckout(deps, parsed.data, consentContext(req, 'join_form')));
  });

  router.get('/give', (req, res) => renderGive(req, res));

  router.post('/give', limits.give, async (req, res) => {
    const parsed = giveSchema.safeParse(req.body ?? {});
    if (!parsed.success) return renderGive(req, res, 422, echo(req.body), fieldErrors(parsed.error));
    res.redirect(303, await startGiftCheckout(deps, parsed.data, consentContext(req, 'give_form')));
  });

  for (const [path, view] of [
    ['/family/thanks', 'giving/thanks'],
    ['/give/thanks', 'giving/thanks'],
  ] as const) {
    router.get(path, async (req, res) => {
      const id = typeof req.query.session_id === 'string' && /^cs_[\w]{1,200}$/.test(req.query.session_id) ? req.query.session_id : undefined;
      const session = id ? await findCheckoutSession(ctx.db, id) : undefined;
      const isPending = Boolean(session && !session.completedAt);
      if (isPending) res.set('Refresh', '3');
      res.render(view, {
        title: t(req.locale, 'giving.thanks.title'),
        session,
        // Without a session to ask, the page's own path says which kind of gift it thanks for.
        isMonthly: session ? session.mode === 'subscription' : path === '/family/thanks',
        isPending,
        isConfirmed: Boolean(session?.completedAt),
      });
    });
  }

  return router;
}
