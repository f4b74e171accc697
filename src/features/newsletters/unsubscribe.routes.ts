import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context';
import { isLocale, t, type Locale } from '../../lib/i18n';
import { findSupporterById, followMerges, setOwnPreferences, type Supporter } from '../supporters';
import { verifyUnsubscribeToken } from './unsubscribe-token';
import { samePathLink } from '../../web/safe-next';

/** "taro@example.jp" → "t***@example.jp": enough to recognise one's address, not to learn someone's. */
function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
}

/** GET|POST /unsubscribe/:token: RFC 8058 one-click unsubscribe (POST), confirmation page (GET). */
export function unsubscribeRoutes(ctx: AppContext): Router {
  const router = Router();

  /** The supporter the link was made for (followed through merges), or undefined for a forged link. */
  async function supporterOf(token: string): Promise<Supporter | undefined> {
    const id = verifyUnsubscribeToken(ctx.sessionSecret, token);
    const found = id ? await findSupporterById(ctx.db, id) : undefined;
    return found ? followMerges(ctx.db, found) : undefined;
  }

  // The page speaks the supporter's language unless they chose the other one (?lang=).
  function useLocale(req: Request, res: Response, supporter?: Supporter): Locale {
    const locale: Locale = isLocale(req.query.lang) ? req.query.lang : (supporter?.locale ?? req.locale);
    const other: Locale = locale === 'ja' ? 'en' : 'ja';
    req.locale = locale;
    res.locals.locale = locale;
    res.locals.otherLocale = other;
    res.locals.switchLocaleUrl = samePathLink(req.path, `lang=${other}`);
    // The token is in the URL: keep it out of caches and of the Referer of the next page.
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
    return locale;
  }

  function invalid(req: Request, res: Response) {
    const locale = useLocale(req, res);
    res.status(404).render('errors/error', { status: 404, title: t(locale, 'newsletters.unsubscribe.invalid.title'), message: t(locale, 'newsletters.unsubscribe.invalid.body') });
  }

  function renderDone(res: Response, locale: Locale, already: boolean) {
    res.render('unsubscribe/done', { title: t(locale, 'newsletters.unsubscribe.title'), already });
  }

  // Opening the link never unsubscribes: mail scanners fetch links, and a person may only be looking.
  router.get('/unsubscribe/:token', async (req, res) => {
    const supporter = await supporterOf(req.params.token);
    if (!supporter) return invalid(req, res);
    const locale = useLocale(req, res, supporter);
    if (!supporter.newsletter) return renderDone(res, locale, true);
    res.render('unsubscribe/confirm', { title: t(locale, 'newsletters.unsubscribe.title'), token: req.params.token, email: maskEmail(supporter.email) });
  });

  // One click, no cookie or CSRF token (mail clients POST `List-Unsubscribe=One-Click`). Idempotent.
  router.post('/unsubscribe/:token', async (req, res) => {
    const supporter = await supporterOf(req.params.token);
    if (!supporter) return invalid(req, res);
    const locale = useLocale(req, res, supporter);
    const already = !supporter.newsletter;
    await setOwnPreferences(
      ctx.db,
      supporter,
      { newsletter: false, postalMail: supporter.postalMail },
      // The consent text recorded is the statement on the confirmation page, in the supporter's language.
      { newsletter: t(locale, 'newsletters.unsubscribe.consent'), postalMail: '' },
      { source: 'unsubscribe_link', ip: req.ip, userAgent: req.get('user-agent') },
    );
    renderDone(res, locale, already);
  });

  return router;
}
