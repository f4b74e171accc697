import type { TestApp } from './app';

/** A tiny browser: keeps cookies between requests, reads CSRF tokens from forms, never follows redirects. */
export class Visitor {
  private cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  static of(app: TestApp): Visitor {
    return new Visitor(app.url);
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      this.cookies.set(name!.trim(), value.join('='));
    }
  }

  async get(path: string): Promise<{ res: Response; html: string }> {
    const res = await fetch(this.base + path, { headers: { cookie: this.cookieHeader }, redirect: 'manual' });
    this.keep(res);
    return { res, html: await res.text() };
  }

  /** GETs the page and returns the CSRF token of its first form. */
  async csrf(path: string): Promise<string> {
    const { html } = await this.get(path);
    const match = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!match) throw new Error(`no CSRF token on ${path}`);
    return match[1]!;
  }

  /** POSTs a urlencoded form (arrays repeat the field). */
  async post(path: string, fields: Record<string, string | string[] | undefined>): Promise<{ res: Response; html: string; location: string | null }> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
    }
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader },
      body,
      redirect: 'manual',
    });
    this.keep(res);
    return { res, html: await res.text(), location: res.headers.get('location') };
  }
}

/** Decodes the HTML entities Handlebars writes, to compare page text with plain strings. */
export function unescapeHtml(html: string): string {
  return html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&#x60;/g, '`').replace(/&amp;/g, '&');
}
