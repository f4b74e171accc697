import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// Raw HTML in the Markdown is shown as text (html: false); what Markdown itself makes is then passed
// through an allowlist, so no script, style, event handler or javascript: link can reach a reader.
const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });

const ALLOWED = {
  allowedTags: ['p', 'br', 'strong', 'em', 'a', 'ul', 'ol', 'li', 'h2', 'h3', 'h4', 'blockquote', 'hr', 'code', 'pre', 'img', 's', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  allowedAttributes: { a: ['href', 'title'], img: ['src', 'alt', 'title'], th: ['align'], td: ['align'] },
  allowedSchemes: ['https', 'http', 'mailto'],
  allowedSchemesByTag: { img: ['https'] },
  allowProtocolRelative: false,
  transformTags: {
    // Headings in a letter start at h2 (the subject is the title).
    h1: 'h2',
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener', target: '_blank' }),
  },
} satisfies sanitizeHtml.IOptions;

/** Markdown as safe HTML for emails and the archive. */
export function renderMarkdown(markdown: string): string {
  return sanitizeHtml(md.render(markdown), { ...ALLOWED, allowedAttributes: { ...ALLOWED.allowedAttributes, a: ['href', 'title', 'rel', 'target'] } });
}

/** Markdown as plain text for the text part: links keep their address in brackets. */
export function markdownToText(markdown: string): string {
  const html = md
    .render(markdown)
    .replace(/<a href="([^"]*)"[^>]*>(.*?)<\/a>/g, (_all, href: string, label: string) => (label === href ? href : `${label} (${href})`))
    .replace(/<li>/g, '・')
    .replace(/<\/(p|h[1-6]|li|blockquote|pre|tr)>/g, '\n')
    .replace(/<br\s*\/?>/g, '\n')
    .replace(/<hr\s*\/?>/g, '――――――――\n');
  const text = sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} });
  return text
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
