import { Router } from 'express';
import type { AppContext } from '../../context';
import { pick, t } from '../../lib/i18n';

/** GET /: the WELgee Family home page; GET /privacy: the privacy notice (a setting). */
export function homeRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const settings = await ctx.settings.get();
    res.render('home/index', { organisation: settings.organisation, familyPage: settings.familyPage });
  });
  router.get('/privacy', async (req, res) => {
    const settings = await ctx.settings.get();
    const text = pick(settings.privacy.notice, req.locale);
    res.render('home/privacy', { title: t(req.locale, 'home.privacy.title'), paragraphs: text.split(/\n\s*\n/).filter((p) => p.trim()) });
  });
  return router;
}
