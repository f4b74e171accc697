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

/** Changes a link's address (to its click link), or leaves it as it is. */
export type HrefMap = (href: string) => string;

const unescapeAttr = (v: string) =>
  v
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const escapeAttr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Markdown as safe HTML for emails and the archive; `mapHref` rewrites each link's address. */
export function renderMarkdown(markdown: string, mapHref?: HrefMap): string {
  const html = sanitizeHtml(md.render(markdown), { ...ALLOWED, allowedAttributes: { ...ALLOWED.allowedAttributes, a: ['href', 'title', 'rel', 'target'] } });
  return mapHref ? html.replace(/<a href="([^"]*)"/g, (_all, href: string) => `<a href="${escapeAttr(mapHref(unescapeAttr(href)))}"`) : html;
}

/** The addresses the body's links point at, as a reader's mail client opens them. */
export function linksOf(markdown: string): string[] {
  return [...renderMarkdown(markdown).matchAll(/<a href="([^"]*)"/g)].map((m) => unescapeAttr(m[1]!));
}

/** Markdown as plain text for the text part: links keep their address (or `mapHref`'s) in brackets. */
export function markdownToText(markdown: string, mapHref?: HrefMap): string {
  const html = md
    .render(markdown)
    .replace(/<a href="([^"]*)"[^>]*>(.*?)<\/a>/g, (_all, href: string, label: string) => {
      const target = mapHref ? escapeAttr(mapHref(unescapeAttr(href))) : href;
      return label === href ? target : `${label} (${target})`;
    })
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
