import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import { t, type Locale } from '../../lib/i18n';
import { route, type AdminRoute } from '../../web/route-table';
import { addressSettingsHref, hasPostalAddress } from '../settings';
import { countTagAudiences, previewAudience } from './audience';
import { echo, receiveForm, testedLanguages, translate } from './newsletters.admin.form';
import { countedLinksOf } from './newsletter-email';
import { findNewsletter, listNewsletters, type Newsletter } from './newsletters.repo';
import { isUuid, parseAudience, parseCompose, parseDeliveryQuery, parseSchedule, parseTestLanguage, previewDraft } from './newsletters.schemas';
import {
  cancelSchedule,
  createNewsletter,
  loadDeliveries,
  loadLinkClicks,
  loadProgress,
  pauseNewsletter,
  previewHtml,
  resendFailedDeliveries,
  resumeNewsletter,
  scheduleNewsletter,
  sendNow,
  sendTest,
  setArchiveVisibility,
  updateNewsletter,
  type ActionOutcome,
} from './newsletters.service';
import {
  clicksView,
  composeView,
  deliveryFilters,
  deliveryJson,
  deliveryRow,
  formValues,
  listRow,
  newsletterView,
  progressView,
  scheduleDefaults,
  sendEmailPreview,
} from './newsletters.view';

const P = 'newsletters:send' as const;
const SAMPLE_SIZE = 10;

const notices = ['created', 'saved', 'tested', 'scheduled', 'unscheduled', 'started', 'paused', 'resumed', 'resent', 'hidden', 'shown'] as const;
const PROBLEM_STATUS = { notFound: 404, wrongStatus: 409, noRecipients: 409, nothingToResend: 409 } as const;
const by = (req: Request) => ({ staffId: req.staff!.id, ip: req.ip });

/** /admin/newsletters: compose, preview, audience, test send, schedule, send, progress, deliveries. */
export function newsletterAdminRoutes(ctx: AppContext): AdminRoute[] {
  function notFound(req: Request, res: Response) {
    res.status(404).render('errors/error', { layout: 'admin', status: 404, title: t(req.locale, 'newsletters.notFound'), message: '' });
  }

  /** Loads the issue of :id, or answers 404. */
  async function issueOr404(req: Request, res: Response): Promise<Newsletter | undefined> {
    const id = String(req.params.id);
    const found = isUuid(id) ? await findNewsletter(ctx.db, id) : undefined;
    if (!found) notFound(req, res);
    return found;
  }

  async function renderCompose(
    req: Request,
    res: Response,
    status: number,
    newsletter: Newsletter | undefined,
    values: Record<string, string>,
    errors: Record<string, string> = {},
  ) {
    res.status(status).render('admin/newsletters/compose', {
      layout: 'admin',
      title: t(req.locale, newsletter ? 'newsletters.compose.editTitle' : 'newsletters.compose.newTitle'),
      ...composeView(req.locale, newsletter, values, await countTagAudiences(ctx.db)),
      ...translate(req.locale, errors),
    });
  }

  async function renderIssue(
    req: Request,
    res: Response,
    newsletter: Newsletter,
    status = 200,
    extra: { errors?: Record<string, string>; values?: Record<string, string>; error?: string } = {},
  ) {
    const locale = req.locale;
    const view = newsletterView(locale, newsletter);
    const settings = await ctx.settings.get();
    const audience = view.isEditable ? await previewAudience(ctx.db, newsletter.audience, SAMPLE_SIZE) : undefined;
    let progress, deliveries, clicks;
    if (view.hasStarted) {
      const bodyLinks = (['ja', 'en'] as const).flatMap((l) => countedLinksOf({ publicUrl: ctx.config.publicUrl }, newsletter, l));
      clicks = clicksView(await loadLinkClicks(ctx.db, newsletter.id), bodyLinks);
      const figures = await loadProgress(ctx.db, newsletter.id);
      progress = progressView(figures, newsletter.status);
      const query = parseDeliveryQuery(req.query as Record<string, unknown>);
      const list = await loadDeliveries(ctx.db, newsletter.id, query);
      const link = (page: number) =>
        `/admin/newsletters/${newsletter.id}?${new URLSearchParams({ ...(query.status ? { status: query.status } : {}), page: String(page) }).toString()}#deliveries`;
      deliveries = {
        rows: list.rows.map((d) => deliveryRow(locale, d)),
        filters: deliveryFilters(locale, newsletter.id, figures, query.status),
        page: list.page,
        pages: list.pages,
        prev: list.page > 1 ? link(list.page - 1) : undefined,
        next: list.page < list.pages ? link(list.page + 1) : undefined,
        isEmpty: list.rows.length === 0,
      };
    }
    const notice = notices.find((n) => req.query[n] !== undefined);
    res.status(status).render('admin/newsletters/show', {
      layout: 'admin',
      sendBlocked: hasPostalAddress(settings) ? undefined : { href: addressSettingsHref },
      title: view.subject,
      newsletter: view,
      createdByName: (newsletter as { createdByName?: string | null }).createdByName,
      audience,
      progress,
      deliveries,
      clicks,
      notice: notice ? t(locale, `newsletters.notice.${notice}`, { to: req.staff!.email, langs: testedLanguages(locale, req.query.tested) }) : undefined,
      ...translate(locale, extra.errors ?? {}, extra.error),
      // A posted form comes back as posted: an unticked archive box is absent from it.
      schedule: { ...scheduleDefaults(newsletter, settings.newsletter), ...(extra.values ? { ...extra.values, public_archive: extra.values.public_archive ?? '' } : {}) },
      staffEmail: req.staff!.email,
    });
  }

  /** Answers an action's outcome: 303 back to the issue with a notice, or the issue page with the problem. */
  function actionRoute(path: string, notice: (typeof notices)[number], run: (id: string, req: Request) => Promise<ActionOutcome>): AdminRoute {
    return route(
      'post',
      path,
      P,
      async (req, res) => {
        const newsletter = await issueOr404(req, res);
        if (!newsletter) return;
        const outcome = await run(newsletter.id, req);
        if (outcome.ok) return res.redirect(303, `/admin/newsletters/${newsletter.id}?${notice}=1`);
        const fresh = (await findNewsletter(ctx.db, newsletter.id)) ?? newsletter;
        await renderIssue(req, res, fresh, PROBLEM_STATUS[outcome.problem], { error: t(req.locale, `newsletters.problem.${outcome.problem}`) });
      },
      303,
    );
  }

  // `version`, not `lang`: ?lang= switches the whole console's language.
  const previewLocale = (req: Request): Locale => ((req.query.version ?? (req.body as Record<string, unknown> | undefined)?.preview_version) === 'en' ? 'en' : 'ja');

  return [
    route('get', '/admin/newsletters', P, async (req, res) => {
      const rows = await listNewsletters(ctx.db);
      const counts = new Map<string, number>();
      // The expected audience of the few issues still to go; sent issues show their deliveries.
      for (const r of rows.filter((x) => x.status === 'draft' || x.status === 'scheduled' || x.status === 'held').slice(0, 20))
        counts.set(r.id, (await previewAudience(ctx.db, r.audience, 0)).count);
      res.render('admin/newsletters/list', {
        layout: 'admin',
        title: t(req.locale, 'newsletters.list.title'),
        rows: rows.map((r) => listRow(req.locale, r, counts.get(r.id))),
        isEmpty: rows.length === 0,
      });
    }),
    route('get', '/admin/newsletters/new', P, (req, res) => renderCompose(req, res, 200, undefined, { segment: 'all' })),
    route(
      'post',
      '/admin/newsletters',
      P,
      [
        receiveForm,
        async (req, res) => {
          const parsed = parseCompose(req.body);
          if (!parsed.ok) return renderCompose(req, res, 422, undefined, echo(req.body), parsed.errors);
          const outcome = await createNewsletter(ctx.db, parsed.value, by(req));
          if (!outcome.ok) return renderCompose(req, res, 422, undefined, echo(req.body), 'errors' in outcome ? outcome.errors : {});
          res.redirect(303, `/admin/newsletters/${outcome.newsletter.id}?created=1`);
        },
      ],
      422,
    ),
    // The live preview: the draft as typed, rendered as a reader receives it, into the sandboxed frame.
    route(
      'post',
      '/admin/newsletters/preview',
      P,
      [
        receiveForm,
        async (req, res) => {
          const { html } = await previewHtml(ctx, previewDraft(req.body), previewLocale(req));
          sendEmailPreview(res, html);
        },
      ],
      200,
    ),
    route('get', '/admin/newsletters/audience', P, async (req, res) => {
      const parsed = parseAudience(req.query as Record<string, unknown>);
      res.setHeader('Cache-Control', 'no-store');
      if (!parsed.ok) return res.status(400).json({ error: Object.keys(parsed.errors)[0] });
      res.json({ count: (await previewAudience(ctx.db, parsed.value, 0)).count });
    }),
    route('get', '/admin/newsletters/:id', P, async (req, res) => {
      const newsletter = await issueOr404(req, res);
      if (newsletter) await renderIssue(req, res, newsletter);
    }),
    route('get', '/admin/newsletters/:id/edit', P, async (req, res) => {
      const newsletter = await issueOr404(req, res);
      if (!newsletter) return;
      if (!newsletterView(req.locale, newsletter).isEditable) return renderIssue(req, res, newsletter, 409, { error: t(req.locale, 'newsletters.problem.notEditable') });
      await renderCompose(req, res, 200, newsletter, formValues(newsletter));
    }),
    route(
      'post',
      '/admin/newsletters/:id',
      P,
      [
        receiveForm,
        async (req, res) => {
          const newsletter = await issueOr404(req, res);
          if (!newsletter) return;
          const parsed = parseCompose(req.body);
          if (!parsed.ok) return renderCompose(req, res, 422, newsletter, echo(req.body), parsed.errors);
          const outcome = await updateNewsletter(ctx.db, newsletter.id, parsed.value, by(req));
          if (outcome.ok) return res.redirect(303, `/admin/newsletters/${newsletter.id}?saved=1`);
          if ('errors' in outcome) return renderCompose(req, res, 422, newsletter, echo(req.body), outcome.errors);
          const fresh = (await findNewsletter(ctx.db, newsletter.id)) ?? newsletter;
          await renderIssue(req, res, fresh, outcome.problem === 'notFound' ? 404 : 409, { error: t(req.locale, 'newsletters.problem.notEditable') });
        },
      ],
      303,
    ),
    route('get', '/admin/newsletters/:id/preview', P, async (req, res) => {
      const newsletter = await issueOr404(req, res);
      if (!newsletter) return;
      sendEmailPreview(res, (await previewHtml(ctx, newsletter, previewLocale(req))).html);
    }),
    route('get', '/admin/newsletters/:id/progress', P, async (req, res) => {
      const id = String(req.params.id);
      const newsletter = isUuid(id) ? await findNewsletter(ctx.db, id) : undefined;
      res.setHeader('Cache-Control', 'no-store');
      if (!newsletter) return res.status(404).json({ error: 'not_found' });
      const figures = await loadProgress(ctx.db, id);
      // The page of the recipient list being looked at, so it changes with the bar.
      const query = parseDeliveryQuery(req.query as Record<string, unknown>);
      const list = await loadDeliveries(ctx.db, id, query);
      res.json({
        ...progressView(figures, newsletter.status),
        deliveries: {
          page: list.page,
          pages: list.pages,
          total: list.total,
          counts: deliveryFilters(req.locale, id, figures, query.status).map((f) => f.count),
          rows: list.rows.map((d) => deliveryJson(req.locale, d)),
        },
      });
    }),
    route(
      'post',
      '/admin/newsletters/:id/test',
      P,
      async (req, res) => {
        const newsletter = await issueOr404(req, res);
        if (!newsletter) return;
        const choice = parseTestLanguage(req.body);
        if (!choice) return renderIssue(req, res, newsletter, 422, { errors: { lang: 'newsletters.errors.testLanguage' } });
        try {
          const locales = await sendTest(ctx, newsletter, choice, req.staff!.email, by(req));
          res.redirect(303, `/admin/newsletters/${newsletter.id}?tested=${locales.join(',')}`);
        } catch (err) {
          ctx.logger.warn({ err, newsletterId: newsletter.id }, 'newsletter test send failed');
          await renderIssue(req, res, newsletter, 502, { error: t(req.locale, 'newsletters.problem.testFailed') });
        }
      },
      303,
    ),
    route('get', '/admin/newsletters/:id/send', P, async (req, res) => {
      const newsletter = await issueOr404(req, res);
      if (!newsletter) return;
      await renderConfirm(req, res, newsletter, 200);
    }),
    route(
      'post',
      '/admin/newsletters/:id/send',
      P,
      async (req, res) => {
        const newsletter = await issueOr404(req, res);
        if (!newsletter) return;
        const body = (req.body ?? {}) as Record<string, unknown>;
        // The footer must carry the sender's postal address: refused here too, not only hidden on the page.
        if (!hasPostalAddress(await ctx.settings.get())) return renderConfirm(req, res, newsletter, 409);
        if (body.confirm !== 'on') return renderConfirm(req, res, newsletter, 422, { confirm: 'newsletters.errors.confirm' }, undefined, body.public_archive === 'on');
        const shown = typeof body.count === 'string' && /^\d{1,9}$/.test(body.count) ? Number(body.count) : undefined;
        const outcome = await sendNow(ctx.db, newsletter.id, by(req), { expectedCount: shown, isPublic: body.public_archive === 'on' });
        if (outcome.ok) return res.redirect(303, `/admin/newsletters/${newsletter.id}?started=1`);
        await renderConfirm(
          req,
          res,
          (await findNewsletter(ctx.db, newsletter.id)) ?? newsletter,
          PROBLEM_STATUS[outcome.problem],
          {},
          t(req.locale, `newsletters.problem.${outcome.problem}`),
          body.public_archive === 'on',
        );
      },
      303,
    ),
    route(
      'post',
      '/admin/newsletters/:id/schedule',
      P,
      async (req, res) => {
        const newsletter = await issueOr404(req, res);
        if (!newsletter) return;
        if (!hasPostalAddress(await ctx.settings.get())) return renderIssue(req, res, newsletter, 409);
        const parsed = parseSchedule(req.body);
        if (!parsed.ok) return renderIssue(req, res, newsletter, 422, { errors: parsed.errors, values: echo(req.body) });
        const isPublic = (req.body as Record<string, unknown> | undefined)?.public_archive === 'on';
        const outcome = await scheduleNewsletter(ctx.db, newsletter.id, parsed.value, isPublic, by(req));
        if (outcome.ok) return res.redirect(303, `/admin/newsletters/${newsletter.id}?scheduled=1`);
        await renderIssue(req, res, (await findNewsletter(ctx.db, newsletter.id)) ?? newsletter, PROBLEM_STATUS[outcome.problem], {
          error: t(req.locale, `newsletters.problem.${outcome.problem}`),
        });
      },
      303,
    ),
    actionRoute('/admin/newsletters/:id/schedule/cancel', 'unscheduled', (id, req) => cancelSchedule(ctx.db, id, by(req))),
    actionRoute('/admin/newsletters/:id/pause', 'paused', (id, req) => pauseNewsletter(ctx.db, id, by(req))),
    actionRoute('/admin/newsletters/:id/resume', 'resumed', (id, req) => resumeNewsletter(ctx.db, id, by(req))),
    actionRoute('/admin/newsletters/:id/resend-failed', 'resent', (id, req) => resendFailedDeliveries(ctx.db, id, by(req))),
    route(
      'post',
      '/admin/newsletters/:id/archive',
      P,
      async (req, res) => {
        const newsletter = await issueOr404(req, res);
        if (!newsletter) return;
        const hidden = (req.body as Record<string, unknown> | undefined)?.hidden === '1';
        const outcome = await setArchiveVisibility(ctx.db, newsletter.id, hidden, by(req));
        if (outcome.ok) return res.redirect(303, `/admin/newsletters/${newsletter.id}?${hidden ? 'hidden' : 'shown'}=1`);
        await renderIssue(req, res, (await findNewsletter(ctx.db, newsletter.id)) ?? newsletter, PROBLEM_STATUS[outcome.problem], {
          error: t(req.locale, `newsletters.problem.${outcome.problem}`),
        });
      },
      303,
    ),
  ];

  async function renderConfirm(req: Request, res: Response, newsletter: Newsletter, status: number, errors: Record<string, string> = {}, error?: string, isPublic?: boolean) {
    const view = newsletterView(req.locale, newsletter);
    const audience = await previewAudience(ctx.db, newsletter.audience, SAMPLE_SIZE);
    // An issue to everyone goes to the archive unless unticked; one for a segment or tag only when ticked.
    const publicArchive = isPublic ?? newsletter.archiveOnSend ?? newsletter.audience.segment === 'all';
    const isBlocked = !hasPostalAddress(await ctx.settings.get());
    res.status(view.isEditable || status !== 200 ? status : 409).render('admin/newsletters/confirm', {
      sendBlocked: isBlocked ? { href: addressSettingsHref } : undefined,
      layout: 'admin',
      title: t(req.locale, 'newsletters.confirm.title'),
      newsletter: view,
      audience,
      hasRecipients: audience.count > 0,
      publicArchive,
      isSegment: newsletter.audience.segment !== 'all',
      ...translate(req.locale, errors, error ?? (view.isEditable ? undefined : t(req.locale, 'newsletters.problem.wrongStatus'))),
    });
  }
}
