import type { AppContext } from '../../context';
import { recordAudit } from '../audit';
import { findSupporterById } from '../supporters';
import { route, type AdminRoute } from '../../web/route-table';
import { requestLoginLink } from './login.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Console actions about a supporter's My page: emailing them a sign-in link (the same email as /me/login). */
export function meAdminRoutes(ctx: AppContext): AdminRoute[] {
  return [
    route(
      'post',
      '/admin/supporters/:id/sign-in-link',
      'supporters:edit',
      async (req, res, next) => {
        const id = String(req.params.id);
        const supporter = UUID.test(id) ? await findSupporterById(ctx.db, id) : undefined;
        if (!supporter || supporter.mergedIntoId || supporter.erasedAt) return next();
        // The link goes to the address on record only; staff never see or choose where it goes.
        await requestLoginLink(ctx.db, supporter.email, req.ip);
        await ctx.db.transaction((tx) =>
          recordAudit(tx, { staffId: req.staff!.id, action: 'supporter.sign_in_link', targetType: 'supporter', targetId: supporter.id, detail: {}, ip: req.ip }),
        );
        res.redirect(303, `/admin/supporters/${supporter.id}?done=signInLink`);
      },
      404,
    ),
  ];
}
