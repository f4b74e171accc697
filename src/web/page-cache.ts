import type { Request, Response } from 'express';

const TOKEN_SLOT = '__CSRF_TOKEN_SLOT__';

/**
 * Renders public pages once per (inputs, key) and serves the stored HTML, writing only the visitor's
 * CSRF token into it. `inputs` is an object that is replaced whenever the page's data changes (the
 * settings snapshot), so entries die with it; `key` carries the rest (locale, live count).
 */
export function createPageCache(maxEntriesPerInput = 50) {
  // Each page is kept as UTF-8 bytes split around the token slot, so a hit encodes nothing.
  const cache = new WeakMap<object, Map<string, Buffer[]>>();

  return async function renderCached(req: Request, res: Response, inputs: object, key: string, view: string, locals: Record<string, unknown>) {
    let pages = cache.get(inputs);
    if (!pages) {
      pages = new Map();
      cache.set(inputs, pages);
    }
    let parts = pages.get(key);
    if (parts === undefined) {
      const html = await new Promise<string>((resolve, reject) => res.render(view, { ...locals, csrfToken: TOKEN_SLOT }, (err, out) => (err ? reject(err) : resolve(out))));
      parts = html.split(TOKEN_SLOT).map((part) => Buffer.from(part));
      if (pages.size >= maxEntriesPerInput) pages.clear();
      pages.set(key, parts);
    }
    const token = Buffer.from(req.csrfToken());
    const body = Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [part] : [token, part])));
    res.type('html').send(body);
  };
}
