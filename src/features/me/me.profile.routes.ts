import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { formErrors, issuesByField, type FormFields } from '../../web/form-errors';
import { requireSupporter as requireSignedIn } from './me.session';
import { checkbox, kana, name, postalCode, prefecture, prefectures, setOwnPreferences, text, updateOwnProfile } from '../supporters';

const profileSchema = z.object({
  family_name: name,
  given_name: name,
  family_name_kana: kana,
  given_name_kana: kana,
  organisation_name: text(100)
    .optional()
    .transform((v) => v ?? ''),
  postal_code: postalCode,
  prefecture,
  address: text(200)
    .optional()
    .transform((v) => v ?? ''),
  locale: z.enum(['ja', 'en'], { error: 'giving.errors.invalid' }),
});

/** The profile form's fields in page order (views/me/profile.hbs). */
const profileFields: FormFields = [
  ['organisation_name', 'form.field.organisationName'],
  ['family_name', 'form.field.familyName'],
  ['given_name', 'form.field.givenName'],
  ['family_name_kana', 'form.field.familyNameKana'],
  ['given_name_kana', 'form.field.givenNameKana'],
  ['postal_code', 'me.profile.postalCode'],
  ['prefecture', 'me.profile.prefecture'],
  ['address', 'me.profile.addressLine'],
  ['locale', 'me.profile.language'],
];

const preferencesSchema = z.object({ newsletter: checkbox, postal_mail: checkbox });

/** Strings only, at most 300 characters each: what a re-shown form may echo back. */
function echo(body: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && key !== '_csrf') values[key] = value.slice(0, 300);
  }
  return values;
}

/** GET|POST /me/profile (name, フリガナ, address for letters, language) and POST /me/preferences. */
export function meProfileRoutes(ctx: AppContext): Router {
  const router = Router();
  const context = (req: Request) => ({ source: 'my_page' as const, ip: req.ip, userAgent: req.get('user-agent') });

  function renderProfile(req: Request, res: Response, status = 200, values?: Record<string, string>, errors: Record<string, string> = {}) {
    const s = req.supporter!;
    res.status(status).render('me/profile', {
      title: t(req.locale, 'me.profile.title'),
      isOrganisation: s.kind === 'organisation',
      values: values ?? {
        family_name: s.familyName,
        given_name: s.givenName,
        family_name_kana: s.familyNameKana ?? '',
        given_name_kana: s.givenNameKana ?? '',
        organisation_name: s.organisationName ?? '',
        postal_code: s.postalCode ?? '',
        prefecture: s.prefecture ?? '',
        address: s.address ?? '',
        locale: s.locale,
      },
      prefectures: prefectures.map(([ja, en]) => ({ value: ja, label: req.locale === 'en' ? en : ja })),
      ...formErrors(req.locale, errors, profileFields),
      csrfToken: req.csrfToken(),
    });
  }

  router.get('/me/profile', requireSignedIn, (req, res) => renderProfile(req, res));

  router.post('/me/profile', requireSignedIn, async (req, res) => {
    const parsed = profileSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      return renderProfile(req, res, 422, echo(req.body), issuesByField(parsed.error, /^(giving|supporters)\./, 'giving.errors.invalid'));
    }
    const f = parsed.data;
    await updateOwnProfile(
      ctx.db,
      req.supporter!,
      {
        familyName: f.family_name,
        givenName: f.given_name,
        familyNameKana: f.family_name_kana,
        givenNameKana: f.given_name_kana,
        organisationName: f.organisation_name,
        postalCode: f.postal_code,
        prefecture: f.prefecture,
        address: f.address,
        locale: f.locale,
      },
      context(req),
    );
    res.redirect(303, `/me?done=profile&lang=${f.locale}`);
  });

  router.post('/me/preferences', requireSignedIn, async (req, res) => {
    const parsed = preferencesSchema.safeParse(req.body ?? {});
    if (!parsed.success)
      return res.status(422).render('errors/error', {
        status: 422,
        title: t(req.locale, 'me.preferences.title'),
        message: t(req.locale, 'giving.errors.invalid', { field: t(req.locale, 'me.preferences.title') }),
      });
    // The consent text recorded is the label the supporter saw, in the page's language.
    await setOwnPreferences(
      ctx.db,
      req.supporter!,
      { newsletter: parsed.data.newsletter, postalMail: parsed.data.postal_mail },
      { newsletter: t(req.locale, 'me.preferences.newsletter'), postalMail: t(req.locale, 'me.preferences.postalMail') },
      context(req),
    );
    res.redirect(303, '/me?done=preferences#preferences');
  });

  return router;
}
