import crypto from 'node:crypto';
import { Router } from 'express';
import type { AppContext } from '../../context';
import { findSupporterById } from '../supporters';
import type { StripeGateway } from './stripe-gateway';

const VALID_DAYS = 14;

function sign(secret: string, supporterId: string, expires: number): string {
  return crypto.createHmac('sha256', secret).update(`card-link:${supporterId}:${expires}`).digest('base64url');
}

/** A link, valid for two weeks, that opens the Billing Portal for one supporter (payment-failed emails). */
export function cardLinkUrl(publicUrl: string, secret: string, supporterId: string, now = Date.now()): string {
  const expires = Math.floor(now / 1000) + VALID_DAYS * 24 * 3600;
  return `${publicUrl}/billing/card/${supporterId}.${expires}.${sign(secret, supporterId, expires)}`;
}

/** The supporter id a card link names, when its signature is right and it has not expired. */
export function verifyCardLink(secret: string, token: string, now = Date.now()): string | undefined {
  const match = /^([0-9a-f-]{36})\.(\d{1,12})\.([\w-]{43})$/.exec(token);
  if (!match) return undefined;
  const [, supporterId, expiresText, signature] = match;
  const expires = Number(expiresText);
  if (expires * 1000 < now) return undefined;
  const expected = Buffer.from(sign(secret, supporterId!, expires));
  const actual = Buffer.from(signature!);
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual) ? supporterId : undefined;
}

/** GET /billing/card/:token — signed link from the payment-failed email to the Billing Portal. */
export function cardLinkRoutes(ctx: AppContext, gateway: StripeGateway): Router {
  const router = Router();
  router.get('/billing/card/:token', async (req, res, next) => {
    const supporterId = verifyCardLink(ctx.sessionSecret, req.params.token);
    const supporter = supporterId ? await findSupporterById(ctx.db, supporterId) : undefined;
    if (!supporter?.stripeCustomerId) return next();
    const url = await gateway.createPortalSession(supporter.stripeCustomerId, `${ctx.config.publicUrl}/family?lang=${supporter.locale}`, supporter.locale);
    res.set('Cache-Control', 'no-store').redirect(303, url);
  });
  return router;
}
