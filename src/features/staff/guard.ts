import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../../context';
import { recordAudit } from '../audit';
import { roleCan, rolePermissions, type Permission } from './permissions';
import { findStaffById, type StaffMember } from './staff.repo';

declare module 'express-session' {
  interface SessionData {
    staffId?: string;
    epoch?: number;
    pendingStaffId?: string;
    /** One started sign-in waiting for its code: wrong codes are counted under this id. */
    pendingSignInId?: string;
    pendingAt?: number;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    staff?: StaffMember;
  }
}

/** Loads the signed-in staff member (if the session is still valid) for every /admin request. */
export function loadStaff(ctx: AppContext) {
  return async function load(req: Request, res: Response, next: NextFunction) {
    const id = req.session?.staffId;
    if (id) {
      const member = await findStaffById(ctx.db, id);
      // A deactivated account or "sign out everywhere" (a newer epoch) ends this session.
      if (member && member.isActive && member.sessionEpoch === req.session.epoch) {
        req.staff = member;
        res.locals.staff = member;
        res.locals.csrfToken = req.csrfToken();
        res.locals.can = Object.fromEntries(rolePermissions[member.role].map((p) => [p.replace(':', '_'), true]));
      } else {
        delete req.session.staffId;
      }
    }
    next();
  };
}

/** Requires a signed-in staff member with the permission: else the sign-in page (GET) or 403. */
export function can(ctx: AppContext, permission: Permission) {
  return async function guard(req: Request, res: Response, next: NextFunction) {
    if (!req.staff) {
      if (req.method === 'GET') return res.redirect(302, `/admin/login?next=${encodeURIComponent(req.originalUrl.slice(0, 300))}`);
      return res.status(403).render('errors/error', { layout: 'main', status: 403, title: '403', message: 'Sign in first.' });
    }
    const settings = await ctx.settings.get();
    if (settings.security.requireTotpForAdmins && req.staff.role === 'admin' && !req.staff.totpEnabled && permission !== 'account:manage') {
      return res.redirect(302, '/admin/account/totp');
    }
    if (!roleCan(req.staff.role, permission)) {
      await recordAudit(ctx.db, { staffId: req.staff.id, action: 'access.denied', detail: { permission, path: req.path, method: req.method }, ip: req.ip });
      return res.status(403).render('admin/forbidden', { layout: 'admin', permission });
    }
    next();
  };
}

/** Any signed-in staff member (sign out). */
export function signedIn(req: Request, res: Response, next: NextFunction) {
  if (!req.staff) return req.method === 'GET' ? res.redirect(302, '/admin/login') : res.status(403).send('Sign in first.');
  next();
}
