import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { queueNames } from '../../lib/job-contracts';
import type { AppContext } from '../../context';
import { route, type AdminRoute } from '../../web/route-table';

const BASE_PATH = '/admin/jobs/board';

const sha256 = (text: string) => `'sha256-${crypto.createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Every script file of bull-board's UI (the bundle and its lazily loaded chunks). */
function bundleScripts(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return bundleScripts(file);
    return entry.name.endsWith('.js') ? [fs.readFileSync(file, 'utf8')] : [];
  });
}

/**
 * The inline styles bull-board's page really uses: the loading placeholder in its HTML shell
 * (a <style> element and style attributes) and the <style> elements its bundle renders (an SVG
 * logo), as fixed strings found in the installed files.
 */
export function boardInlineStyles(template: string, scripts: string[]): { elements: string[]; attributes: string[] } {
  const elements = [...template.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
  for (const script of scripts) {
    // React elements written as jsx("style", {children: `…`}): only literal texts, never templates with ${}.
    for (const m of script.matchAll(/"style",\{children:`([^`$\\]*)`/g)) elements.push(m[1]!);
  }
  const attributes = [...template.matchAll(/\sstyle="([^"]*)"/g)].map((m) => m[1]!);
  return { elements: [...new Set(elements)], attributes: [...new Set(attributes)] };
}

/**
 * The Content-Security-Policy of the queue dashboard only. bull-board's page is a script bundle
 * served from here, but it needs a few inline styles: instead of 'unsafe-inline', exactly those
 * styles are allowed by hash, computed from the installed package so that an upgrade keeps working.
 * The rest of the app keeps its stricter policy.
 */
export function jobsContentSecurityPolicy(styles: { elements: string[]; attributes: string[] }, secure: boolean): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    ["style-src-elem 'self'", ...styles.elements.map(sha256)].join(' '),
    styles.attributes.length > 0 ? ["style-src-attr 'unsafe-hashes'", ...styles.attributes.map(sha256)].join(' ') : "style-src-attr 'none'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(secure ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

// bull-board's shell links a Google Fonts stylesheet; every asset of this app is served from here,
// so the link is dropped (the policy would refuse it anyway) and the board uses its fallback fonts.
const externalFontLink = /<link[^>]+href="https:\/\/fonts\.googleapis\.com[^>]*>\s*/g;

function withPolicy(policy: string): RequestHandler {
  return function setJobsPolicy(_req: Request, res: Response, next: NextFunction) {
    res.setHeader('Content-Security-Policy', policy);
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      // Only the rendered shell: API answers are JSON and static files never pass through send().
      const isShell = typeof body === 'string' && !(res.get('Content-Type') ?? '').includes('json');
      return send(isShell ? (body as string).replace(externalFontLink, '') : body);
    };
    next();
  };
}

/**
 * Runs bull-board's own Express app as a middleware of the console router. Express's app.handle
 * switches req and res to that app's prototypes (its views, its render); only `app.use` of an app
 * switches them back, and a Router cannot do that. So a request the board does not answer (an
 * unknown path, a method it has no route for) gets the app's prototypes back here before it goes
 * on to the app's own 404 page, instead of a failed view lookup in bull-board's folder (a 500).
 */
function boardMiddleware(board: RequestHandler): RequestHandler {
  return function jobsBoard(req: Request, res: Response, next: NextFunction) {
    const request = Object.getPrototypeOf(req) as object;
    const response = Object.getPrototypeOf(res) as object;
    board(req, res, (err?: unknown) => {
      Object.setPrototypeOf(req, request);
      Object.setPrototypeOf(res, response);
      next(err);
    });
  };
}

/** The queue dashboard (bull-board, in English) under /admin/jobs/board, admins only: the jobs page links to it. */
export function jobsRoutes(ctx: AppContext): AdminRoute[] {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BASE_PATH);
  createBullBoard({
    serverAdapter,
    // Read-only: jobs retry by themselves and every processor is idempotent, so the board is for
    // looking (its API calls carry no CSRF token, so the console would refuse writes anyway).
    queues: queueNames.map((name) => new BullMQAdapter(ctx.queues.get(name), { readOnlyMode: true })),
    options: {
      uiConfig: {
        boardTitle: 'WELgee Family jobs',
        hideDocsLink: true,
        miscLinks: [{ text: '← Staff console', url: '/admin/jobs' }],
        favIcon: { default: '/assets/favicon.svg', alternative: '/assets/favicon.svg' },
      },
    },
  });
  const board = serverAdapter.getRouter() as { disable(setting: string): void } & RequestHandler;
  board.disable('x-powered-by');

  const uiDir = path.dirname(require.resolve('@bull-board/ui/package.json'));
  const template = fs.readFileSync(path.join(uiDir, 'dist', 'index.ejs'), 'utf8');
  const styles = boardInlineStyles(template, bundleScripts(path.join(uiDir, 'dist', 'static', 'js')));
  const policy = jobsContentSecurityPolicy(styles, ctx.config.publicUrl.startsWith('https://'));

  return [route('use', BASE_PATH, 'jobs:view', [withPolicy(policy), boardMiddleware(board)])];
}
