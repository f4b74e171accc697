import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { formProblem } from '../../web/form-errors';
import { createLimit } from '../../lib/rate-limit';
import { sendRefusal } from '../../web/rate-limit';
import { emailField, emailKey } from '../../lib/email-address';
import { LINK_VALID_MINUTES, isTokenShaped, redeemLoginLink, requestLoginLink } from './login.service';
import { isLoginLinkUsable } from './login.repo';
import { hashToken } from './login.service';
import { startSession } from '../../web/session-writes';
import { now } from '../../lib/clock';

// Two limits, counted before anything is stored (rate-limiter-flexible: count, then decide):
// - per client address, 30 in 15 minutes: beyond it, 429 (whoever sends that many is held back);
// - per email address, 5 links in 15 minutes: beyond it, the same "check your inbox" page and no email.
//   Someone asking for another person's address cannot lock the owner out: the owner still holds the
//   links already sent, and the page never says whether a link went out (nor whether the address is known).
// While Redis is down both are counted in this process's memory: the form keeps working, still limited.
const WINDOW_SECONDS = 15 * 60;
const PER_ADDRESS = 5;
const PER_IP = 30;

const loginEmail = emailField({ required: 'me.login.badEmail', invalid: 'me.login.badEmail' });

/** GET /me (sign-in form when signed out), POST /me/login, GET|POST /me/link/:token, POST /me/logout. */
export function meLoginRoutes(ctx: AppContext): Router {
  const router = Router();
  const limit = (name: string, points: number) =>
    createLimit(ctx.queues.connection, ctx.config.queuePrefix, { name, points, windowSeconds: WINDOW_SECONDS, whenRedisDown: 'memory' });
  const perClient = limit('me-login-ip', PER_IP);
  const perAddress = limit('me-login-address', PER_ADDRESS);

  const renderLogin = (req: Request, res: Response, status = 200, extra: Record<string, unknown> = {}) =>
    res.status(status).render('me/login', { title: t(req.locale, 'me.login.title'), csrfToken: req.csrfToken(), minutes: LINK_VALID_MINUTES, ...extra });

  router.post('/me/login', async (req, res) => {
    const parsed = loginEmail.safeParse((req.body ?? {}).email);
    const value = typeof req.body?.email === 'string' ? req.body.email.slice(0, 254) : '';
    if (!parsed.success) return renderLogin(req, res, 422, { value, ...formProblem(t(req.locale, 'me.login.badEmail'), 'email') });
    const byClient = await perClient.hit(req.ip ?? '');
    if (byClient.outcome === 'limited')
      return renderLogin(req, res.set('Retry-After', String(byClient.retryAfterSeconds)), 429, { value, ...formProblem(t(req.locale, 'me.login.tooMany')) });
    if (byClient.outcome === 'unavailable') return sendRefusal(req, res, byClient);
    const byAddress = await perAddress.hit(emailKey(parsed.data));
    if (byAddress.outcome === 'unavailable') return sendRefusal(req, res, byAddress);
    if (byAddress.outcome === 'allowed') await requestLoginLink(ctx.db, parsed.data, req.ip);
    res.status(200).render('me/login-sent', { title: t(req.locale, 'me.login.sentTitle'), minutes: LINK_VALID_MINUTES });
  });

  // Opening the link shows a button: mail scanners that fetch links must not use up the single use.
  router.get('/me/link/:token', async (req, res) => {
    const token = req.params.token;
    const usable = isTokenShaped(token) && (await isLoginLinkUsable(ctx.db, hashToken(token), now()));
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
    if (!usable) return renderLogin(req, res, 410, formProblem(t(req.locale, 'me.login.linkInvalid')));
    res.render('me/link', { title: t(req.locale, 'me.login.confirmTitle'), token, csrfToken: req.csrfToken() });
  });

  router.post('/me/link/:token', async (req, res) => {
    const supporterId = await redeemLoginLink(ctx.db, req.params.token);
    res.set('Cache-Control', 'no-store');
    if (!supporterId) return renderLogin(req, res, 410, formProblem(t(req.locale, 'me.login.linkInvalid')));
    await startSession(req, { supporterId });
    res.redirect(303, '/me');
  });

  router.post('/me/logout', async (req, res) => {
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie('wf_me', { path: '/me' });
    res.redirect(303, '/me?signed_out=1');
  });

  return router;
}
