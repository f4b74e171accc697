import { unescapeHtml } from './http';

export interface FoundForm {
  /** The action's path (no query), or the page's own path when the form has none. */
  action: string;
  method: 'get' | 'post';
  isMultipart: boolean;
  /** Every named field with the value a browser would send untouched (checked boxes only). */
  fields: [string, string][];
}

const attr = (attrs: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(` ${attrs}`)?.[1];

/** The forms of a page as a browser would submit them without typing anything. */
export function formsOf(html: string, pagePath: string): FoundForm[] {
  const forms: FoundForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, attrs = '', inner = ''] = m;
    const action = unescapeHtml(attr(attrs, 'action') ?? pagePath).split(/[?#]/)[0] || pagePath;
    if (!action.startsWith('/')) continue; // a form to another site (none expected)
    const fields: [string, string][] = [];
    for (const f of inner.matchAll(/<(input|button)\b([^>]*)>/gi)) {
      const a = f[2]!;
      const name = attr(a, 'name');
      const type = (attr(a, 'type') ?? (f[1]!.toLowerCase() === 'button' ? 'submit' : 'text')).toLowerCase();
      if (!name || name === '_csrf' || type === 'file') continue;
      if ((type === 'checkbox' || type === 'radio') && !/\schecked/i.test(a)) continue;
      if (type === 'submit' && fields.some(([n]) => n === name)) continue;
      fields.push([unescapeHtml(name), unescapeHtml(attr(a, 'value') ?? (type === 'checkbox' ? 'on' : ''))]);
    }
    for (const f of inner.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const name = attr(f[1]!, 'name');
      if (!name) continue;
      const options = [...f[2]!.matchAll(/<option\b([^>]*)>/gi)].map((o) => o[1]!);
      const chosen = options.find((o) => /\sselected/i.test(o)) ?? options[0];
      fields.push([unescapeHtml(name), unescapeHtml((chosen && attr(chosen, 'value')) ?? '')]);
    }
    for (const f of inner.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      const name = attr(f[1]!, 'name');
      if (name) fields.push([unescapeHtml(name), unescapeHtml(f[2]!)]);
    }
    forms.push({
      action,
      method: (attr(attrs, 'method') ?? 'get').toLowerCase() === 'post' ? 'post' : 'get',
      isMultipart: /multipart\/form-data/i.test(attr(attrs, 'enctype') ?? ''),
      fields,
    });
  }
  return forms;
}
