import type { TestApp } from './app';

let clients = 0;
/** A client address no other visitor in this test process has used (198.18.0.0/15, for tests). */
export function clientIp(): string {
  clients += 1;
  return `198.18.${(clients >> 8) & 255}.${clients & 255}`;
}

/** Whether a request path falls under a cookie's Path (RFC 6265 §5.1.4). */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/**
 * A tiny browser: keeps cookies between requests as a browser would (by name and Path, sent only under
 * their Path, dropped when expired), reads CSRF tokens from forms, never follows redirects.
 */
export class Visitor {
  private cookies = new Map<string, { name: string; value: string; path: string }>();

  /** `headers` go with every request (e.g. the client address a test proxy reports). */
  constructor(
    private readonly base: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  static of(app: TestApp): Visitor {
    return new Visitor(app.url);
  }

  /** A visitor from its own client address (X-Forwarded-For, which the app believes from loopback). */
  static from(app: TestApp, ip = clientIp()): Visitor {
    return new Visitor(app.url, { 'x-forwarded-for': ip });
  }

  /** The Cookie header a browser would send for this path (the site's root by default). */
  cookieHeader(requestPath = '/'): string {
    const pathname = new URL(requestPath, this.base).pathname;
    return [...this.cookies.values()]
      .filter((c) => pathMatches(pathname, c.path))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private keep(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = pair!.split('=');
      let cookiePath = '/';
      let expired = false;
      for (const attribute of attributes) {
        const [key, ...rest] = attribute.trim().split('=');
        const v = rest.join('=');
        if (key!.toLowerCase() === 'path' && v.startsWith('/')) cookiePath = v;
        if (key!.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
        if (key!.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      const key = `${name!.trim()};${cookiePath}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { name: name!.trim(), value: value.join('='), path: cookiePath });
    }
  }

  async get(path: string): Promise<{ res: Response; html: string }> {
    const res = await fetch(this.base + path, { headers: { ...this.headers, cookie: this.cookieHeader(path) }, redirect: 'manual' });
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

  /**
   * POSTs a urlencoded form (arrays repeat the field). `atHeaders` runs as soon as the answer's headers
   * arrive, before its body is read: the moment a browser may already follow a redirect.
   */
  async post(
    path: string,
    fields: Record<string, string | string[] | undefined>,
    atHeaders?: (res: Response) => Promise<void>,
  ): Promise<{ res: Response; html: string; location: string | null }> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
    }
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(path) },
      body,
      redirect: 'manual',
    });
    this.keep(res);
    await atHeaders?.(res);
    return { res, html: await res.text(), location: res.headers.get('location') };
  }
}

/** The express-session id inside a signed session cookie the answer sets (`s:<id>.<signature>`). */
export function sessionIdSet(res: Response, cookieName: string): string {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${cookieName}=`));
  if (!line) throw new Error(`the answer sets no ${cookieName} cookie`);
  const value = decodeURIComponent(line.slice(cookieName.length + 1).split(';')[0]!);
  return value.slice(2, value.lastIndexOf('.'));
}

/** Decodes the HTML entities Handlebars writes, to compare page text with plain strings. */
export function unescapeHtml(html: string): string {
  return html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&amp;/g, '&');
}
