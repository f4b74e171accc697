import { Router } from 'express';
import type { AppContext } from '../../context';
import { now } from '../../lib/clock';
import { pick, t } from '../../lib/i18n';

const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * GET /: the WELgee Family home page; GET /privacy: the privacy notice (a setting);
 * GET /.well-known/security.txt: where to report a vulnerability (RFC 9116), the organisation's contact address.
 */
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
  router.get('/.well-known/security.txt', async (_req, res) => {
    const { organisation } = await ctx.settings.get();
    // RFC 9116 asks for an expiry less than a year ahead; the file is made on each request, so it never lapses.
    const expires = new Date(now().getTime() + YEAR_MS - 24 * 3600 * 1000);
    res
      .type('text/plain')
      .set('Cache-Control', 'public, max-age=86400')
      .send(
        [
          `Contact: mailto:${organisation.contactEmail}`,
          `Expires: ${expires.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
          'Preferred-Languages: ja, en',
          `Canonical: ${ctx.config.publicUrl}/.well-known/security.txt`,
          '',
        ].join('\n'),
      );
  });
  return router;
}
