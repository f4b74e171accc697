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
      const settings = await ctx.settings.get();
      const checklist = setupChecklist(req.locale, settings);
      // The join page hides its count below this threshold: the note names the setting and links to it.
      const countNote = {
        text: t(req.locale, 'reports.monthlySupportersNote', {
          setting: t(req.locale, 'settings.field.familyPage.countThreshold'),
          threshold: Number(settings.familyPage.countThreshold || 0).toLocaleString('ja-JP'),
        }),
        href: '/admin/settings#f-familyPage-countThreshold',
      };
      res.render('admin/dashboard', { layout: 'admin', title: t(req.locale, 'admin.nav.dashboard'), checklist, countNote, ...dashboardView(figures, req.locale) });
    }),
  ];
}
