import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { countHit, isUnderLimit } from '../../lib/rate-limit';
import { recordAudit } from '../audit';
import { route, type AdminRoute } from '../admin/route-table';
import { checkCode, checkPassword, completeLogin } from './staff.service';
import type { StaffMember } from './staff.repo';
import { safeNext } from '../../web/safe-next';
import { startSession } from '../../web/session-writes';

const PENDING_MS = 5 * 60 * 1000;

/** Only console paths on this site may be returned to after sign-in. */
const consoleNext = (value: unknown) => safeNext(value, '/admin', '/admin');

/** Sign-in (password, then code when two-factor is on) and sign-out. */
export function authRoutes(ctx: AppContext): AdminRoute[] {
  const renderLogin = (req: Request, res: Response, status = 200, error?: string) =>
    res.status(status).render('admin/login', { layout: 'admin-bare', title: t(req.locale, 'admin.login.title'), error, next: consoleNext(req.query.next ?? req.body?.next), csrfToken: req.csrfToken() });

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
      // At most 20 failed sign-ins per address in 15 minutes, across all accounts.
      const ipKey = `${ctx.config.queuePrefix}:login-fail:${req.ip}`;
      if (!(await isUnderLimit(ctx.queues.connection, ipKey, 20))) {
        await recordAudit(ctx.db, { action: 'login.rate_limited', ip: req.ip });
        return renderLogin(req, res, 429, t(req.locale, 'admin.login.tooMany'));
      }
      if (typeof email !== 'string' || typeof password !== 'string' || email.length > 254 || password.length > 200) {
        return renderLogin(req, res, 422, t(req.locale, 'admin.login.failed'));
      }
      const result = await checkPassword(ctx.db, email, password, req.ip);
      if (!result.ok) {
        await countHit(ctx.queues.connection, ipKey, 900);
        return renderLogin(req, res, 401, t(req.locale, 'admin.login.failed'));
      }
      if (!result.needsCode) return signIn(req, res, result.staff);
      await startSession(req, { pendingStaffId: result.staff.id, pendingAt: Date.now() });
      res.status(200).render('admin/login-code', { layout: 'admin-bare', title: t(req.locale, 'admin.login.codeTitle'), next: consoleNext(req.body?.next), csrfToken: req.csrfToken() });
    }),
    route('post', '/admin/login/code', 'public', async (req, res) => {
      const pending = req.session.pendingStaffId;
      const code = (req.body ?? {}).code;
      const fresh = pending && req.session.pendingAt && Date.now() - req.session.pendingAt < PENDING_MS;
      const member = fresh && typeof code === 'string' ? await checkCode(ctx.db, pending, code, req.ip) : undefined;
      if (!member) {
        if (!fresh) return renderLogin(req, res, 401, t(req.locale, 'admin.login.failed'));
        return res.status(401).render('admin/login-code', { layout: 'admin-bare', title: t(req.locale, 'admin.login.codeTitle'), error: t(req.locale, 'admin.login.badCode'), next: consoleNext(req.body?.next), csrfToken: req.csrfToken() });
      }
      await signIn(req, res, member);
    }),
    route('post', '/admin/logout', 'signed-in', async (req, res) => {
      await recordAudit(ctx.db, { staffId: req.staff!.id, action: 'logout', ip: req.ip });
      await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
      res.redirect(303, '/admin/login');
    }, 303),
  ];
}
