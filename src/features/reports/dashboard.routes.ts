import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { route, type AdminRoute } from '../../web/route-table';
import { setupChecklist } from '../settings';
import { loadDashboard } from './dashboard.service';
import { dashboardView } from './dashboard.view';

/** The dashboard: the month at a glance. */
export function dashboardRoutes(ctx: AppContext): AdminRoute[] {
  return [
    route('get', '/admin', 'dashboard:view', async (req, res) => {
      const figures = await loadDashboard(ctx.db);
      const checklist = setupChecklist(req.locale, await ctx.settings.get());
      res.render('admin/dashboard', { layout: 'admin', title: t(req.locale, 'admin.nav.dashboard'), checklist, ...dashboardView(figures, req.locale) });
    }),
  ];
}
