import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context';
import { isLocale, t, type Locale } from '../../lib/i18n';
import { confirmSignupByLink, findSignupToConfirm } from './signups.service';

/** GET|POST /family/newsletter/confirm/:id/:token (emailed double opt-in link), GET /family/newsletter/confirmed. */
export function signupRoutes(ctx: AppContext): Router {
  const router = Router();

  function useLocale(req: Request, res: Response, locale: Locale) {
    req.locale = locale;
    res.locals.locale = locale;
    res.locals.otherLocale = locale === 'ja' ? 'en' : 'ja';
    res.locals.switchLocaleUrl = `${req.path}?lang=${res.locals.otherLocale}`;
    // The token is in the URL: keep it out of caches and of the Referer of the next page.
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
  }

  function invalid(req: Request, res: Response) {
    useLocale(req, res, req.locale);
    res.status(410).render('errors/error', { status: 410, title: t(req.locale, 'supporters.signups.invalid.title'), message: t(req.locale, 'supporters.signups.invalid.body') });
  }

  // Opening the link only shows a button: mail scanners fetch links and must not subscribe anyone.
  router.get('/family/newsletter/confirm/:id/:token', async (req, res) => {
    const signup = await findSignupToConfirm(ctx.db, ctx.sessionSecret, req.params.id, req.params.token);
    if (!signup) return invalid(req, res);
    useLocale(req, res, isLocale(req.query.lang) ? req.query.lang : signup.locale);
    res.render('signups/confirm', {
      title: t(req.locale, 'supporters.signups.confirm.title'),
      id: req.params.id,
      token: req.params.token,
      consentText: signup.text,
      csrfToken: req.csrfToken(),
    });
  });

  router.post('/family/newsletter/confirm/:id/:token', async (req, res) => {
    const context = { source: 'newsletter_confirmation' as const, ip: req.ip, userAgent: req.get('user-agent') };
    const locale = await confirmSignupByLink(ctx.db, ctx.sessionSecret, req.params.id, req.params.token, context);
    if (!locale) return invalid(req, res);
    res.redirect(303, `/family/newsletter/confirmed?lang=${locale}`);
  });

  router.get('/family/newsletter/confirmed', (req, res) => {
    res.render('signups/done', { title: t(req.locale, 'supporters.signups.done.title') });
  });

  return router;
}
