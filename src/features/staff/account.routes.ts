import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { generateTotpSecret, totpUri, verifyTotp } from '../../lib/totp';
import { recordAudit } from '../audit';
import { route, type AdminRoute } from '../../web/route-table';
import { deleteSessionsOf, findStaffById, updateStaff } from './staff.repo';
import { changePassword } from './staff.service';
import { saveSession } from '../../web/session-writes';
import { formProblem, noFormErrors, type FormErrorsView } from '../../web/form-errors';

/** My account: password change, two-factor set-up, sign out everywhere. */
export function accountRoutes(ctx: AppContext): AdminRoute[] {
  async function renderAccount(req: Request, res: Response, status = 200, messages: { notice?: string } & Partial<FormErrorsView> = {}) {
    const member = req.staff!;
    // The secret shown during set-up is kept in the session until a code proves the app has it.
    let setup: { secret: string; uri: string; qr: string } | undefined;
    if (!member.totpEnabled) {
      const secret = (req.session as unknown as { totpSetup?: string }).totpSetup ?? generateTotpSecret();
      (req.session as unknown as { totpSetup?: string }).totpSetup = secret;
      const uri = totpUri(secret, member.email);
      setup = { secret, uri, qr: await QRCode.toDataURL(uri, { margin: 1, width: 200 }) };
    }
    res
      .status(status)
      .render('admin/account', { layout: 'admin', title: t(req.locale, 'admin.account.title'), member, setup, ...noFormErrors, ...messages, csrfToken: req.csrfToken() });
  }

  return [
    route('get', '/admin/account', 'account:manage', (req, res) => renderAccount(req, res)),
    route('get', '/admin/account/totp', 'account:manage', (req, res) => renderAccount(req, res)),
    route(
      'post',
      '/admin/account/password',
      'account:manage',
      async (req, res) => {
        const { current, password, confirm } = (req.body ?? {}) as Record<string, unknown>;
        if (typeof current !== 'string' || current === '') return renderAccount(req, res, 422, formProblem(t(req.locale, 'admin.account.wrongPassword'), 'current'));
        if (typeof password !== 'string' || password !== confirm) return renderAccount(req, res, 422, formProblem(t(req.locale, 'admin.account.mismatch'), 'confirm'));
        const result = await changePassword(ctx.db, req.staff!, current, password);
        if (result === 'wrong') return renderAccount(req, res, 422, formProblem(t(req.locale, 'admin.account.wrongPassword'), 'current'));
        if (result !== 'ok') return renderAccount(req, res, 422, formProblem(t(req.locale, 'admin.account.shortPassword'), 'password'));
        await recordAudit(ctx.db, { staffId: req.staff!.id, action: 'account.password', ip: req.ip });
        // Other sessions end (new epoch); this one carries on with the new epoch.
        req.session.epoch = req.staff!.sessionEpoch + 1;
        await saveSession(req);
        req.staff = await findStaffById(ctx.db, req.staff!.id);
        res.locals.staff = req.staff;
        await renderAccount(req, res, 200, { notice: t(req.locale, 'admin.account.passwordChanged') });
      },
      200,
    ),
    route(
      'post',
      '/admin/account/totp',
      'account:manage',
      async (req, res) => {
        const secret = (req.session as unknown as { totpSetup?: string }).totpSetup;
        const code = (req.body ?? {}).code;
        if (req.staff!.totpEnabled || !secret || typeof code !== 'string' || !verifyTotp(secret, code.replace(/\s/g, ''))) {
          return renderAccount(req, res, 422, formProblem(t(req.locale, 'admin.login.badCode'), 'code'));
        }
        await updateStaff(ctx.db, req.staff!.id, { totpSecret: secret, totpEnabled: true });
        delete (req.session as unknown as { totpSetup?: string }).totpSetup;
        await recordAudit(ctx.db, { staffId: req.staff!.id, action: 'account.totp_enabled', ip: req.ip });
        res.redirect(303, '/admin/account');
      },
      422,
    ),
    route(
      'post',
      '/admin/account/signout-all',
      'account:manage',
      async (req, res) => {
        await updateStaff(ctx.db, req.staff!.id, { sessionEpoch: req.staff!.sessionEpoch + 1 });
        await deleteSessionsOf(ctx.db, req.staff!.id);
        await recordAudit(ctx.db, { staffId: req.staff!.id, action: 'account.signout_all', ip: req.ip });
        await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
        res.redirect(303, '/admin/login');
      },
      303,
    ),
  ];
}
