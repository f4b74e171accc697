import type { Settings } from '../../../config/organisation';
import type { newsletters } from '../../db/schema';
import type { Locale } from '../../lib/i18n';
import { t } from '../../lib/i18n';
import type { BulkMessage, OutgoingMessage } from '../../lib/mailer';
import type { EmailRenderer } from '../../lib/render-email';
import { clickUrl, isCountedLink } from './click-links';
import { linksOf, markdownToText, renderMarkdown, type HrefMap } from './markdown';
import { unsubscribeToken } from './unsubscribe-token';

export type Newsletter = typeof newsletters.$inferSelect;

// Rendered once per language, then only the recipient's token changes (in the unsubscribe link and in
// every click link): a 10,000-recipient send renders two templates, not 10,000.
const RECIPIENT = '%%RECIPIENT_TOKEN%%';

/** The issue in one language: English when it has an English subject and body, else Japanese. */
export function contentFor(newsletter: Pick<Newsletter, 'subjectJa' | 'subjectEn' | 'bodyJa' | 'bodyEn'>, locale: Locale): { locale: Locale; subject: string; body: string } {
  if (locale === 'en' && newsletter.subjectEn.trim() !== '' && newsletter.bodyEn.trim() !== '') {
    return { locale: 'en', subject: newsletter.subjectEn, body: newsletter.bodyEn };
  }
  return { locale: 'ja', subject: newsletter.subjectJa, body: newsletter.bodyJa };
}

export interface NewsletterRenderDeps {
  renderEmail: EmailRenderer;
  publicUrl: string;
  secret: string;
}

/** A newsletter rendered for one language, waiting for each recipient's unsubscribe link. */
export interface RenderedIssue {
  locale: Locale;
  subject: string;
  html: string;
  text: string;
}

const base = (publicUrl: string) => publicUrl.replace(/\/$/, '');

/** The links of the issue's body in a language that are counted when clicked (see click-links.ts). */
export function countedLinksOf(
  deps: Pick<NewsletterRenderDeps, 'publicUrl'>,
  newsletter: Pick<Newsletter, 'subjectJa' | 'subjectEn' | 'bodyJa' | 'bodyEn'>,
  locale: Locale,
): string[] {
  return linksOf(contentFor(newsletter, locale).body).filter((url) => isCountedLink(url, deps.publicUrl));
}

/**
 * Renders the issue in a language with the footer (sender, postal address, unsubscribe link). With
 * `links` (registered link ids by address), the body's links become click links for each recipient.
 */
export function renderIssue(
  deps: NewsletterRenderDeps,
  newsletter: Pick<Newsletter, 'subjectJa' | 'subjectEn' | 'bodyJa' | 'bodyEn'>,
  locale: Locale,
  settings: Settings,
  opts: { test?: boolean; links?: Map<string, number> } = {},
): RenderedIssue {
  const content = contentFor(newsletter, locale);
  const subject = opts.test ? `${t(content.locale, 'email.newsletter.testPrefix')} ${content.subject}` : content.subject;
  const links = opts.links;
  const mapHref: HrefMap | undefined = links
    ? (href) => {
        const id = links.get(href);
        return id === undefined ? href : clickUrl(deps.publicUrl, deps.secret, id, RECIPIENT);
      }
    : undefined;
  const rendered = deps.renderEmail('newsletter', content.locale, {
    subject,
    bodyHtml: renderMarkdown(content.body, mapHref),
    bodyText: markdownToText(content.body, mapHref),
    organisation: settings.organisation,
    emailSettings: settings.email,
    publicUrl: deps.publicUrl,
    archiveUrl: `${base(deps.publicUrl)}/family/news?lang=${content.locale}`,
    unsubscribeUrl: `${base(deps.publicUrl)}/unsubscribe/${RECIPIENT}`,
  });
  return { locale: content.locale, ...rendered };
}

/** The token that stands for one recipient in their unsubscribe link and click links. */
export function recipientToken(deps: Pick<NewsletterRenderDeps, 'secret'>, supporterId: string): string {
  return unsubscribeToken(deps.secret, supporterId);
}

/** The message for one recipient: their unsubscribe link in the footer and in the List-Unsubscribe headers. */
export function messageFor(deps: NewsletterRenderDeps, issue: RenderedIssue, recipient: { supporterId: string; email: string }): OutgoingMessage {
  const token = recipientToken(deps, recipient.supporterId);
  const url = `${base(deps.publicUrl)}/unsubscribe/${token}`;
  return {
    to: recipient.email,
    subject: issue.subject,
    html: issue.html.split(RECIPIENT).join(token),
    text: issue.text.split(RECIPIENT).join(token),
    // RFC 8058 one-click: a POST to this URL unsubscribes without cookies or sign-in.
    list: { unsubscribe: url },
    headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}

/**
 * The issue as one message for all its recipients in that language: the mailer builds it once and each
 * copy only gets the recipient's address and token (`recipientToken`: unsubscribe link in the footer and
 * List-Unsubscribe header, click links).
 */
export function bulkMessageOf(deps: Pick<NewsletterRenderDeps, 'publicUrl'>, issue: RenderedIssue): BulkMessage {
  return {
    subject: issue.subject,
    html: issue.html,
    text: issue.text,
    headers: { 'List-Unsubscribe': `<${base(deps.publicUrl)}/unsubscribe/${RECIPIENT}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    placeholder: RECIPIENT,
  };
}
