import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { route, type AdminRoute } from '../admin/route-table';

/** The dashboard: the month at a glance. */
export function dashboardRoutes(_ctx: AppContext): AdminRoute[] {
  return [
    route('get', '/admin', 'dashboard:view', (req, res) => res.render('admin/dashboard', { layout: 'admin', title: t(req.locale, 'admin.nav.dashboard') })),
  ];
}
