import { Router } from 'express';
import type { AppContext } from '../../context';
import { notFound } from '../../web/errors';
import { verifyLinkId } from './click-links';
import { findLink, recordClick, wasRecipient } from './clicks.repo';
import { verifyUnsubscribeToken } from './unsubscribe-token';

/** GET /r/:link/:recipient: counts a reader's click on an issue's link, then 302 to its address. */
export function clickRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/r/:link/:recipient', async (req, res) => {
    const linkId = verifyLinkId(ctx.sessionSecret, req.params.link);
    const link = linkId === undefined ? undefined : await findLink(ctx.db, linkId);
    const supporterId = verifyUnsubscribeToken(ctx.sessionSecret, req.params.recipient);
    // Only a link of an issue this reader was sent: a forged, foreign or made-up pair leads nowhere.
    if (!link || !supporterId || !(await wasRecipient(ctx.db, link.newsletterId, supporterId))) return notFound(req, res);
    // A HEAD is a mail scanner checking the link, not a reader opening it.
    if (req.method === 'GET') await recordClick(ctx.db, link.id, supporterId);
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer').redirect(302, link.url);
  });

  return router;
}
