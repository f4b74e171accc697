import type http from 'node:http';
import qs from 'qs';
import { ApiError, badApiKey } from './errors';
import { expandResponse } from './expand';
import { expandList, type Params } from './params';
import { API_VERSION, clone, newId, nowSeconds, type Store } from './store';

/** A parsed request as route handlers see it. */
export interface ApiRequest {
  method: string;
  path: string;
  /** Values of `:name` segments of the route pattern. */
  params: Record<string, string>;
  /** Query string and form body together, decoded from Stripe's bracket notation. */
  input: Params;
  headers: http.IncomingHttpHeaders;
}

export type Reply = { kind: 'json'; status: number; body: unknown } | { kind: 'html'; status: number; body: string } | { kind: 'redirect'; status: number; location: string };

export type Handler = (req: ApiRequest) => Reply | Promise<Reply>;

/** A JSON answer. */
export const json = (body: unknown, status = 200): Reply => ({ kind: 'json', status, body });
/** An HTML page. */
export const html = (body: string, status = 200): Reply => ({ kind: 'html', status, body });
/** A 303 redirect (POST-redirect-GET). */
export const redirect = (location: string, status = 303): Reply => ({ kind: 'redirect', status, location });

interface Route {
  method: string;
  regex: RegExp;
  keys: string[];
  handler: Handler;
  isApi: boolean;
}

/** Routes by method and `/path/:param` pattern; API routes need the secret key, pages do not. */
export class Router {
  private readonly routes: Route[] = [];

  /** Adds a route of the REST API or the /_emulator controls (API key required, JSON, expand[]). */
  api(method: string, pattern: string, handler: Handler): void {
    this.add(method, pattern, handler, true);
  }

  /** Adds a hosted page route (opened by a browser, no key). */
  page(method: string, pattern: string, handler: Handler): void {
    this.add(method, pattern, handler, false);
  }

  private add(method: string, pattern: string, handler: Handler, isApi: boolean): void {
    const keys: string[] = [];
    const source = pattern.replace(/:([a-zA-Z_]+)/g, (_m, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method, regex: new RegExp(`^${source}/?$`), keys, handler, isApi });
  }

  /** The route for a request and its path parameters. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1]!)));
      return { route, params };
    }
    return undefined;
  }
}

function apiKeyOf(headers: http.IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (!auth) return undefined;
  if (auth.startsWith('Bearer ')) return auth.slice(7).trim();
  if (auth.startsWith('Basic ')) return Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0];
  return undefined;
}

function parseBody(raw: string, contentType: string | undefined): Params {
  if (!raw) return {};
  if (contentType?.includes('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    return qs.parse(qs.stringify(parsed));
  }
  return qs.parse(raw, { depth: 10, arrayLimit: 100, parameterLimit: 10_000 });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1_000_000) reject(new Error('request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, reply: Reply, headers: Record<string, string>): void {
  if (reply.kind === 'redirect') {
    res.writeHead(reply.status, { ...headers, Location: reply.location, 'Content-Length': '0' });
    res.end();
    return;
  }
  const body = reply.kind === 'json' ? JSON.stringify(reply.body, null, 2) : reply.body;
  const type = reply.kind === 'json' ? 'application/json' : 'text/html; charset=utf-8';
  res.writeHead(reply.status, { ...headers, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store' });
  res.end(body);
}

function errorReply(err: unknown, isApi: boolean): Reply {
  if (err instanceof ApiError) return json(err.toJSON(), err.status);
  const message = err instanceof Error ? err.message : String(err);
  if (isApi) return json({ error: { type: 'api_error', message: `The emulator failed: ${message}` } }, 500);
  return html(`<!doctype html><meta charset="utf-8"><title>Error</title><p>${message.replace(/[<>&]/g, '')}</p>`, 500);
}

async function handleApi(store: Store, route: Route, request: ApiRequest, rawBody: string): Promise<{ reply: Reply; replayed: boolean }> {
  const key = request.method === 'POST' ? request.headers['idempotency-key'] : undefined;
  const idempotencyKey = Array.isArray(key) ? key[0] : key;
  if (idempotencyKey) {
    const seen = store.idempotent(idempotencyKey);
    if (seen) {
      if (seen.method !== request.method || seen.path !== request.path || seen.body !== rawBody) {
        const message = `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`;
        return { reply: json({ error: { type: 'idempotency_error', message } }, 400), replayed: false };
      }
      return { reply: json(seen.response, seen.status), replayed: true };
    }
  }
  let reply: Reply;
  try {
    reply = await route.handler(request);
    if (reply.kind === 'json' && reply.status < 400) {
      reply = json(expandResponse(store, clone(reply.body), expandList(request.input)), reply.status);
    }
  } catch (err) {
    reply = errorReply(err, true);
  }
  // Stripe saves the outcome of a request that ran, including a declined card, but not a rejected one.
  if (idempotencyKey && reply.kind === 'json' && (reply.status < 400 || reply.status === 402)) {
    store.rememberIdempotent(idempotencyKey, { method: request.method, path: request.path, body: rawBody, status: reply.status, response: reply.body, at: nowSeconds() });
  }
  return { reply, replayed: false };
}

/** The node:http listener: key check, body parsing, idempotency keys, expand[] and Stripe-shaped errors. */
export function createListener(opts: { router: Router; store: Store; secretKey: string }): http.RequestListener {
  return (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://emulator.local');
      const method = (req.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = { 'Request-Id': newId('req', 14), 'Stripe-Version': API_VERSION };
      const isApiPath = url.pathname.startsWith('/v1/') || url.pathname.startsWith('/_emulator/');
      try {
        const rawBody = await readBody(req);
        const found = opts.router.match(method, url.pathname);
        if (!found) {
          const message = `Unrecognized request URL (${method}: ${url.pathname}).`;
          send(
            res,
            isApiPath
              ? json({ error: { type: 'invalid_request_error', message } }, 404)
              : html(`<!doctype html><meta charset="utf-8"><title>Not found</title><p>${message}</p>`, 404),
            headers,
          );
          return;
        }
        const { route, params } = found;
        const input: Params = { ...qs.parse(url.search.slice(1), { depth: 10, arrayLimit: 100 }), ...parseBody(rawBody, req.headers['content-type']) };
        const request: ApiRequest = { method, path: url.pathname, params, input, headers: req.headers };
        if (!route.isApi) {
          let reply: Reply;
          try {
            reply = await route.handler(request);
          } catch (err) {
            reply = errorReply(err, false);
          }
          send(res, reply, headers);
          return;
        }
        const given = apiKeyOf(req.headers);
        if (given !== opts.secretKey) {
          send(res, errorReply(badApiKey(given), true), headers);
          return;
        }
        const { reply, replayed } = await handleApi(opts.store, route, request, rawBody);
        if (replayed) headers['Idempotent-Replayed'] = 'true';
        const key = req.headers['idempotency-key'];
        if (typeof key === 'string') headers['Idempotency-Key'] = key;
        send(res, reply, headers);
      } catch (err) {
        if (!res.headersSent) send(res, errorReply(err, isApiPath), headers);
        else res.end();
      }
    })();
  };
}
