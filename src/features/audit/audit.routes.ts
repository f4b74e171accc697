import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { route, type AdminRoute } from '../../web/route-table';
import { browseAudit } from './audit.browse';

/** The audit log, filtered (admins). */
export function auditRoutes(ctx: AppContext): AdminRoute[] {
  return [
    route('get', '/admin/audit', 'audit:view', async (req, res) => {
      const page = await browseAudit(ctx.db, req.query as Record<string, unknown>, req.locale);
      res.render('admin/audit/index', { layout: 'admin', title: t(req.locale, 'audit.title'), ...page });
    }),
  ];
}
