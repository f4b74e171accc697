import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { route, type AdminRoute } from '../../web/route-table';
import { editSettings } from './settings.edit';
import { echoValues, formValues } from './settings.form';
import { editableSections, type EditableSection, type FieldError } from './settings.schemas';
import { settingsView } from './settings.view';

// After saving, the page names the sections written (?saved=organisation,familyPage), or says nothing changed.
function savedNotice(req: Request, saved: string): string {
  const names = saved.split(',').filter((key): key is EditableSection => (editableSections as readonly string[]).includes(key));
  if (names.length === 0) return t(req.locale, 'settings.unchanged');
  return t(req.locale, 'settings.saved', { sections: names.map((key) => t(req.locale, `settings.section.${key}`)).join(t(req.locale, 'settings.listSeparator')) });
}

/** Organisation settings, both languages (admins). */
export function settingsRoutes(ctx: AppContext): AdminRoute[] {
  async function renderForm(req: Request, res: Response, status: number, values?: Record<string, string>, errors?: Record<string, FieldError>) {
    const settings = await ctx.settings.get();
    const saved = status === 200 && typeof req.query.saved === 'string' ? req.query.saved : undefined;
    res.status(status).render('admin/settings/edit', {
      layout: 'admin',
      title: t(req.locale, 'settings.title'),
      ...settingsView(req.locale, settings, values ?? formValues(settings), errors),
      notice: saved === undefined ? undefined : savedNotice(req, saved),
    });
  }

  return [
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
