import type { Settings } from '../../../config/organisation';
import type { newsletters } from '../../db/schema';
import type { Locale } from '../../lib/i18n';
import { t } from '../../lib/i18n';
import type { BulkMessage, OutgoingMessage } from '../../lib/mailer';
import type { EmailRenderer } from '../../lib/render-email';
import { markdownToText, renderMarkdown } from './markdown';
import { unsubscribeUrl } from './unsubscribe-token';

export type Newsletter = typeof newsletters.$inferSelect;

// Rendered once per language, then only the recipient's unsubscribe link changes: a 10,000-recipient
// send renders two templates, not 10,000.
const LINK = '%%UNSUBSCRIBE_URL%%';

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

/** Renders the issue in a language with the footer (sender, postal address, unsubscribe link). */
export function renderIssue(
  deps: NewsletterRenderDeps,
  newsletter: Pick<Newsletter, 'subjectJa' | 'subjectEn' | 'bodyJa' | 'bodyEn'>,
  locale: Locale,
  settings: Settings,
  opts: { test?: boolean } = {},
): RenderedIssue {
  const content = contentFor(newsletter, locale);
  const subject = opts.test ? `${t(content.locale, 'email.newsletter.testPrefix')} ${content.subject}` : content.subject;
  const rendered = deps.renderEmail('newsletter', content.locale, {
    subject,
    bodyHtml: renderMarkdown(content.body),
    bodyText: markdownToText(content.body),
    organisation: settings.organisation,
    emailSettings: settings.email,
    publicUrl: deps.publicUrl,
    archiveUrl: `${deps.publicUrl.replace(/\/$/, '')}/family/news?lang=${content.locale}`,
    unsubscribeUrl: LINK,
  });
  return { locale: content.locale, ...rendered };
}

/** The message for one recipient: their unsubscribe link in the footer and in the List-Unsubscribe headers. */
export function messageFor(deps: NewsletterRenderDeps, issue: RenderedIssue, recipient: { supporterId: string; email: string }): OutgoingMessage {
  const url = unsubscribeUrl(deps.publicUrl, deps.secret, recipient.supporterId);
  return {
    to: recipient.email,
    subject: issue.subject,
    html: issue.html.split(LINK).join(url),
    text: issue.text.split(LINK).join(url),
    // RFC 8058 one-click: a POST to this URL unsubscribes without cookies or sign-in.
    list: { unsubscribe: url },
    headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}

/**
 * The issue as one message for all its recipients in that language: the mailer builds it once and each
 * copy only gets the recipient's address and unsubscribe link (footer and List-Unsubscribe header).
 */
export function bulkMessageOf(issue: RenderedIssue): BulkMessage {
  return {
    subject: issue.subject,
    html: issue.html,
    text: issue.text,
    headers: { 'List-Unsubscribe': `<${LINK}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    placeholder: LINK,
  };
}
