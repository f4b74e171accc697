import { Router } from 'express';
import type { AppContext } from '../../context';
import { meDataRoutes } from './me.data.routes';
import { meLoginRoutes } from './me.login.routes';
import { mePageRoutes } from './me.page.routes';
import { mePlanRoutes } from './me.plan.routes';
import { meProfileRoutes } from './me.profile.routes';
import { loadSupporter } from './me.session';

export const ME_IDLE_MINUTES = 30;

/** Every My page route: sign-in by emailed link, then the supporter's own pages (each requires sign-in). */
export function meRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use('/me', loadSupporter(ctx));
  router.use(meLoginRoutes(ctx)); // POST /me/login, GET|POST /me/link/:token, POST /me/logout
  router.use(mePageRoutes(ctx)); // GET /me (overview or sign-in form), GET /me/gifts/:id/receipt.pdf
  router.use(mePlanRoutes(ctx)); // /me/plan (change), /me/cancel, /me/card, /me/restart, /me/give
  router.use(meProfileRoutes(ctx)); // /me/profile, /me/preferences
  router.use(meDataRoutes(ctx)); // /me/data.json, /me/data.csv, /me/delete
  return router;
}
