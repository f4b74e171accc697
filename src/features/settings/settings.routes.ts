import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import { t, translateKey } from '../../lib/i18n';
import { route, type AdminRoute } from '../../web/route-table';
import { editSettings } from './settings.edit';
import { echoValues, formValues } from './settings.form';
import { editableSections, type EditableSection, type FieldError } from './settings.schemas';
import { findSettingImageHash, imageKinds, MAX_IMAGE_BYTES, type ImageKind } from './setting-images';
import { settingsImageRoutes } from './settings.images.routes';
import { settingsView } from './settings.view';

// After saving, the page names the sections written (?saved=organisation,familyPage), or says nothing changed.
function savedNotice(req: Request, saved: string): string {
  const names = saved.split(',').filter((key): key is EditableSection => (editableSections as readonly string[]).includes(key));
  if (names.length === 0) return t(req.locale, 'settings.unchanged');
  return t(req.locale, 'settings.saved', { sections: names.map((key) => t(req.locale, `settings.section.${key}`)).join(t(req.locale, 'settings.listSeparator')) });
}

/** Organisation settings, both languages (admins). */
export function settingsRoutes(ctx: AppContext): AdminRoute[] {
  async function renderForm(
    req: Request,
    res: Response,
    status: number,
    values?: Record<string, string>,
    errors?: Record<string, FieldError>,
    imageErrors: Partial<Record<ImageKind, string>> = {},
  ) {
    const settings = await ctx.settings.get();
    const saved = status === 200 && typeof req.query.saved === 'string' ? req.query.saved : undefined;
    const changedImage = status === 200 && imageKinds.find((kind) => req.query.image === kind);
    const form = settingsView(req.locale, settings, values ?? formValues(settings), errors);
    const images = await imagesView(req, imageErrors);
    // An image upload's problem joins the same summary, after the form's fields, as the page orders them.
    const imageLines = images.flatMap((i) => (i.error ? [{ field: `${i.id}-file`, href: `#${i.id}-file`, message: `${i.label}: ${i.error}` }] : []));
    res.status(status).render('admin/settings/edit', {
      layout: 'admin',
      title: t(req.locale, 'settings.title'),
      ...form,
      errorList: [...form.errorList, ...imageLines],
      hasErrors: form.hasErrors || imageLines.length > 0,
      images,
      notice: changedImage ? t(req.locale, `settings.images.saved.${changedImage}`) : saved === undefined ? undefined : savedNotice(req, saved),
    });
  }

  async function imagesView(req: Request, imageErrors: Partial<Record<ImageKind, string>>) {
    const csrf = encodeURIComponent(req.csrfToken());
    return Promise.all(
      imageKinds.map(async (kind) => {
        const hash = await findSettingImageHash(ctx.db, kind);
        const error = imageErrors[kind];
        return {
          kind,
          id: `image-${kind}`,
          label: t(req.locale, `settings.images.${kind}.label`),
          hint: t(req.locale, `settings.images.${kind}.hint`, { size: `${MAX_IMAGE_BYTES / 1024} KB` }),
          src: hash ? `/admin/settings/images/${kind}?v=${hash.slice(0, 12)}` : undefined,
          uploadAction: `/admin/settings/images/${kind}?_csrf=${csrf}`,
          removeAction: `/admin/settings/images/${kind}/remove`,
          error: error ? translateKey(req.locale, error, { size: `${MAX_IMAGE_BYTES / 1024} KB` }) : undefined,
        };
      }),
    );
  }

  return [
    ...settingsImageRoutes(ctx, (req, res, status, imageErrors) => renderForm(req, res, status, undefined, undefined, imageErrors)),
    route('get', '/admin/settings', 'settings:edit', (req, res) => renderForm(req, res, 200)),
    route(
      'post',
      '/admin/settings',
      'settings:edit',
      async (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const result = await editSettings({ db: ctx.db, settings: ctx.settings }, { staffId: req.staff!.id, ip: req.ip }, body);
        if (!result.ok) return renderForm(req, res, 422, echoValues(body), result.errors);
        res.redirect(303, `/admin/settings?saved=${encodeURIComponent(result.changed.join(','))}`);
      },
      422,
    ),
  ];
}
