import { Router, type Request } from 'express';
import type { AppContext } from '../../context';
import { tokyoDay } from '../../lib/dates';
import { t, type Locale } from '../../lib/i18n';
import { notFound } from '../../web/errors';
import { findArchivedIssue, listArchivedIssues, type ArchivedIssue } from './archive.repo';
import { markdownToText, renderMarkdown } from './markdown';
import { contentFor } from './newsletter-email';
import { isIssueMonth } from './rhythm';

const PER_PAGE = 20;
const EXCERPT_CHARS = 110;

/** The page number of ?page= (1 when absent); undefined when it is not a page number. */
function pageOf(req: Request): number | undefined {
  const raw = req.query.page;
  if (raw === undefined || raw === '') return 1;
  if (typeof raw !== 'string' || !/^[1-9]\d{0,5}$/.test(raw)) return undefined;
  return Number(raw);
}

/** The first words of the issue as one line of plain text (link addresses left out). */
function excerptOf(markdown: string): string {
  const text = markdownToText(markdown).replace(/\s*\((?:https?|mailto):[^)\s]*\)?/g, '');
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length > EXCERPT_CHARS ? `${chars.slice(0, EXCERPT_CHARS).join('').trimEnd()}…` : chars.join('');
}

/** 「2026年5月号」 / "May 2026 issue" for an issue of the monthly rhythm. */
function issueLabel(locale: Locale, issueMonth: string | null): string | undefined {
  if (!isIssueMonth(issueMonth)) return undefined;
  const [year, month] = issueMonth.split('-').map(Number) as [number, number];
  const name = new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(year, month - 1, 1)));
  return t(locale, 'newsletters.public.issueOf', { month: name });
}

/** What a page shows of an issue in the visitor's language (Japanese when it has no English). */
function issueView(issue: ArchivedIssue, locale: Locale) {
  const content = contentFor(issue, locale);
  return {
    id: issue.id,
    subject: content.subject,
    lang: content.locale,
    isFallback: content.locale !== locale,
    label: issueLabel(locale, issue.issueMonth),
    sentAt: issue.sentAt,
    sentDay: tokyoDay(issue.sentAt),
    body: content.body,
  };
}

/** GET /family/news, /family/news/:id: the public archive of sent issues. */
export function archiveRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/family/news', async (req, res) => {
    const page = pageOf(req);
    if (page === undefined) return notFound(req, res);
    const { issues, total } = await listArchivedIssues(ctx.db, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE, excerptChars: EXCERPT_CHARS * 4 });
    if (page > 1 && issues.length === 0) return notFound(req, res);
    const pages = Math.max(1, Math.ceil(total / PER_PAGE));
    res.render('news/index', {
      title: t(req.locale, 'newsletters.public.title'),
      issues: issues.map((issue) => {
        const { body, ...view } = issueView(issue, req.locale);
        return { ...view, excerpt: excerptOf(body) };
      }),
      total,
      page,
      pages,
      hasPages: pages > 1,
      newerHref: page > 1 ? (page === 2 ? '/family/news' : `/family/news?page=${page - 1}`) : undefined,
      olderHref: page < pages ? `/family/news?page=${page + 1}` : undefined,
    });
  });

  router.get('/family/news/:id', async (req, res) => {
    const issue = await findArchivedIssue(ctx.db, req.params.id);
    if (!issue) return notFound(req, res);
    const { body, ...view } = issueView(issue, req.locale);
    res.render('news/show', { title: view.subject, issue: { ...view, html: renderMarkdown(body) } });
  });

  return router;
}
