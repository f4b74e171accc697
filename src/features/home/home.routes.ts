import { Router } from 'express';
import type { AppContext } from '../../context';

/** GET /: the WELgee Family home page. */
export function homeRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const settings = await ctx.settings.get();
    res.render('home/index', { organisation: settings.organisation, familyPage: settings.familyPage });
  });
  return router;
}
