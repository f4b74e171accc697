import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import { t, type MessageKey } from '../../lib/i18n';
import { hasControlCharacters } from '../../lib/text';
import type { Refusal } from '../../lib/rate-limit';
import { now } from '../../lib/clock';
import { recordAudit } from '../audit';
import { route, type AdminRoute } from '../../web/route-table';
import { formProblem, noFormErrors } from '../../web/form-errors';
import { checkCode, checkPassword, completeLogin } from './staff.service';
import type { StaffMember } from './staff.repo';
import { safeNext } from '../../web/safe-next';
import { saveSession, startSession } from '../../web/session-writes';
import { signInLimits } from './sign-in-limits';

const PENDING_MS = 5 * 60 * 1000;

/** Only console paths on this site may be returned to after sign-in. */
const consoleNext = (value: unknown) => safeNext(value, '/admin', '/admin');

/** Sign-in (password, then code when two-factor is on) and sign-out. */
export function authRoutes(ctx: AppContext): AdminRoute[] {
  const limits = signInLimits(ctx);
  const renderLogin = (req: Request, res: Response, status = 200, error?: string) =>
    res.status(status).render('admin/login', {
      layout: 'admin-bare',
      title: t(req.locale, 'admin.login.title'),
      ...(error ? formProblem(error) : noFormErrors),
      next: consoleNext(req.query.next ?? req.body?.next),
      csrfToken: req.csrfToken(),
    });
  const renderCode = (req: Request, res: Response, status = 200, error?: string) =>
    res.status(status).render('admin/login-code', {
      layout: 'admin-bare',
      title: t(req.locale, 'admin.login.codeTitle'),
      ...(error ? formProblem(error, 'code') : noFormErrors),
      next: consoleNext(req.body?.next),
      csrfToken: req.csrfToken(),
    });
  // A refused hit: 429 with `message` when a limit is reached, 503 when Redis cannot count it (fail closed).
  const renderRefusal = (req: Request, res: Response, refusal: Refusal, message: MessageKey) => {
    res.set('Retry-After', String(refusal.retryAfterSeconds)).set('Cache-Control', 'no-store');
    if (refusal.outcome === 'limited') return renderLogin(req, res, 429, t(req.locale, message));
    return renderLogin(req, res, 503, t(req.locale, 'admin.login.unavailable'));
  };
  const endPendingSignIn = async (req: Request) => {
    delete req.session.pendingStaffId;
    delete req.session.pendingSignInId;
    delete req.session.pendingAt;
    await saveSession(req);
  };

  async function signIn(req: Request, res: Response, member: StaffMember) {
    const next = consoleNext(req.body?.next);
    await completeLogin(ctx.db, member, req.ip);
    await startSession(req, { staffId: member.id, epoch: member.sessionEpoch });
    res.redirect(303, next);
  }

  return [
    route('get', '/admin/login', 'public', (req, res) => (req.staff ? res.redirect(302, '/admin') : renderLogin(req, res))),
    route('post', '/admin/login', 'public', async (req, res) => {
      const { email, password } = (req.body ?? {}) as Record<string, unknown>;
      // Counted before the password is checked; a right password gives the hit back.
      const clientKey = req.ip ?? '';
      const byClient = await limits.perClient.hit(clientKey);
      if (byClient.outcome !== 'allowed') {
        if (byClient.outcome === 'limited') await recordAudit(ctx.db, { action: 'login.rate_limited', ip: req.ip });
        return renderRefusal(req, res, byClient, 'admin.login.tooMany');
      }
      // An email with a control character (NUL above all: PostgreSQL text cannot hold it) matches no account.
      if (typeof email !== 'string' || typeof password !== 'string' || email.length > 254 || password.length > 200 || hasControlCharacters(email)) {
        return renderLogin(req, res, 422, t(req.locale, 'admin.login.failed'));
      }
      const result = await checkPassword(ctx.db, email, password, req.ip);
      if (!result.ok) return renderLogin(req, res, 401, t(req.locale, 'admin.login.failed'));
      await limits.perClient.refund(clientKey);
      if (!result.needsCode) return signIn(req, res, result.staff);
      // Each started sign-in has its own id: its wrong codes are counted under it in Redis.
      await startSession(req, { pendingStaffId: result.staff.id, pendingSignInId: crypto.randomUUID(), pendingAt: now().getTime() });
      renderCode(req, res);
    }),
    route('post', '/admin/login/code', 'public', async (req, res) => {
      const { pendingStaffId: staffId, pendingSignInId: signInId, pendingAt } = req.session;
      const code = (req.body ?? {}).code;
      if (!staffId || !signInId || !pendingAt || now().getTime() - pendingAt >= PENDING_MS) return renderLogin(req, res, 401, t(req.locale, 'admin.login.failed'));
      // Counted before the code is checked: of many guesses sent at once, only the allowed number is checked.
      const bySignIn = await limits.perSignIn.hit(signInId);
      if (bySignIn.outcome === 'limited') {
        await endPendingSignIn(req);
        return renderLogin(req, res, 401, t(req.locale, 'admin.login.codeLocked'));
      }
      if (bySignIn.outcome === 'unavailable') return renderRefusal(req, res, bySignIn, 'admin.login.unavailable');
      const byAccount = await limits.perAccount.hit(staffId);
      if (byAccount.outcome !== 'allowed') {
        if (byAccount.outcome === 'limited') {
          await endPendingSignIn(req);
          await recordAudit(ctx.db, { staffId, action: 'login.code_locked', detail: { scope: 'account' }, ip: req.ip });
        }
        return renderRefusal(req, res, byAccount, 'admin.login.codePaused');
      }
      const member = typeof code === 'string' && code.length <= 20 ? await checkCode(ctx.db, staffId, code, req.ip) : undefined;
      if (!member) {
        if (bySignIn.remaining > 0) return renderCode(req, res, 401, t(req.locale, 'admin.login.badCode'));
        await endPendingSignIn(req);
        await recordAudit(ctx.db, { staffId, action: 'login.code_locked', detail: { scope: 'sign-in' }, ip: req.ip });
        return renderLogin(req, res, 401, t(req.locale, 'admin.login.codeLocked'));
      }
      await limits.perAccount.refund(staffId);
      await signIn(req, res, member);
    }),
    route(
      'post',
      '/admin/logout',
      'signed-in',
      async (req, res) => {
        await recordAudit(ctx.db, { staffId: req.staff!.id, action: 'logout', ip: req.ip });
        await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
        res.redirect(303, '/admin/login');
      },
      303,
    ),
  ];
}
