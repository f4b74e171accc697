import { Router } from 'express';
import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { findValidReceipt, renderAnnualReceipt } from '../annual-reports';
import { renderGiftReceipt } from '../giving';
import { displayName } from '../supporters';
import { LINK_VALID_MINUTES } from './login.service';
import { findOwnGift } from './me.repo';
import { loadMyPage } from './me.service';
import { requireSupporter } from './me.session';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOTICES = ['plan', 'cancel', 'resume', 'card', 'profile', 'preferences', 'deletion'] as const;

/** GET /me (the overview, or the sign-in form when signed out), each gift's PDF receipt and each year's combined receipt. */
export function mePageRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/me', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (!req.supporter) {
      return res.render('me/login', { title: t(req.locale, 'me.login.title'), csrfToken: req.csrfToken(), minutes: LINK_VALID_MINUTES, signedOut: req.query.signed_out === '1' });
    }
    const page = await loadMyPage(ctx.db, req.supporter);
    const done = NOTICES.find((n) => n === req.query.done);
    res.render('me/index', {
      title: t(req.locale, 'me.title'),
      me: req.supporter,
      meName: displayName(req.supporter, req.locale),
      ...page,
      notice: done ? t(req.locale, `me.done.${done}`) : undefined,
      csrfToken: req.csrfToken(),
    });
  });

  // Another supporter's gift answers exactly like a gift that does not exist.
  router.get('/me/gifts/:id/receipt.pdf', requireSupporter, async (req, res, next) => {
    const id = String(req.params.id);
    const gift = UUID.test(id) ? await findOwnGift(ctx.db, req.supporter!.id, id) : undefined;
    if (!gift?.receiptNumber) return next();
    const locale = req.supporter!.locale;
    const pdf = await renderGiftReceipt(ctx.db, await ctx.settings.get(), gift, locale);
    res
      .set('Cache-Control', 'private, no-store')
      .set('Content-Type', 'application/pdf')
      .set('Content-Disposition', `attachment; filename="receipt-${gift.receiptNumber}.pdf"`)
      .send(pdf);
  });

  // The year's combined receipt as issued (its number never changes on download); none issued: 404.
  router.get('/me/annual-receipts/:file', requireSupporter, async (req, res, next) => {
    const match = /^(\d{4})\.pdf$/.exec(String(req.params.file));
    const receipt = match ? await findValidReceipt(ctx.db, req.supporter!.id, Number(match[1])) : undefined;
    if (!receipt) return next();
    const pdf = await renderAnnualReceipt(ctx.db, await ctx.settings.get(), req.supporter!, receipt, req.supporter!.locale);
    res
      .set('Cache-Control', 'private, no-store')
      .set('Content-Type', 'application/pdf')
      .set('Content-Disposition', `attachment; filename="combined-receipt-${receipt.number}.pdf"`)
      .send(pdf);
  });

  return router;
}
