import { Router, type RequestHandler } from 'express';
import type { AppContext } from '../../context';
import { auditRoutes } from '../audit';
import { bankImportRoutes, giftAdminRoutes } from '../giving';
import { dashboardRoutes } from '../reports';
import { exportRoutes } from '../exports';
import { meAdminRoutes } from '../me';
import { newsletterAdminRoutes } from '../newsletters';
import { annualReportAdminRoutes } from '../annual-reports';
import { reconciliationRoutes } from '../reconciliation';
import { settingsRoutes } from '../settings';
import { accountRoutes, authRoutes, can, loadStaff, signedIn } from '../staff';
import { deletionRequestRoutes, supporterAdminRoutes } from '../supporters';
import { jobsConsoleRoutes } from './jobs.console';
import { jobsRoutes } from './jobs.routes';
import type { AdminRoute } from '../../web/route-table';

/** Every staff console route, in one list (each feature's file shows the permission on each line). */
export function adminRouteList(ctx: AppContext): AdminRoute[] {
  return [
    ...authRoutes(ctx), // /admin/login, /admin/login/code, /admin/logout
    ...accountRoutes(ctx), // /admin/account (password, two-factor, sign out everywhere)
    ...dashboardRoutes(ctx), // /admin (the month at a glance)
    ...supporterAdminRoutes(ctx), // /admin/supporters (search, detail, edit, add, merge, notes, tags)
    ...meAdminRoutes(ctx), // /admin/supporters/:id/sign-in-link (email a My page sign-in link)
    ...deletionRequestRoutes(ctx), // /admin/deletion-requests (supporters' requests to erase their data: confirm or decline)
    ...giftAdminRoutes(ctx), // /admin/gifts (offline gifts, reversing entries, receipt PDF and email, card refunds)
    ...bankImportRoutes(ctx), // /admin/imports (bank statement CSV → review → record)
    ...newsletterAdminRoutes(ctx), // /admin/newsletters (compose, preview, audience, test send, schedule, send, progress, deliveries)
    ...annualReportAdminRoutes(ctx), // /admin/annual-reports (a year's figures and narrative, preview per supporter, send, reissue a receipt)
    ...exportRoutes(ctx), // /admin/exports (donation CSVs for freee / Money Forward / Yayoi, monthly summary, address labels)
    ...reconciliationRoutes(ctx), // /admin/reconciliation (Stripe vs ledger, last 35 days; replay missing events)
    ...settingsRoutes(ctx), // /admin/settings (organisation texts, both languages)
    ...auditRoutes(ctx), // /admin/audit (append-only log)
    ...jobsConsoleRoutes(ctx), // /admin/jobs (queues at a glance, failed jobs and their retry)
    ...jobsRoutes(ctx), // /admin/jobs/board (bull-board, in English, admins only)
  ];
}

/** Mounts the console: the staff member is loaded once, then each route's access is checked first. */
export function adminRouter(ctx: AppContext): Router {
  const router = Router();
  router.use('/admin', loadStaff(ctx));
  for (const r of adminRouteList(ctx)) {
    const guard: RequestHandler[] = r.access === 'public' ? [] : r.access === 'signed-in' ? [signedIn] : [can(ctx, r.access)];
    const handlers = [...guard, ...(Array.isArray(r.handler) ? r.handler : [r.handler])];
    if (r.method === 'use') router.use(r.path, ...handlers);
    else router[r.method](r.path, ...handlers);
  }
  return router;
}
