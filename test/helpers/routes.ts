import type express from 'express';
import { createApp } from '../../src/app';
import type { AppContext } from '../../src/context';

export interface RouteEntry {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The route's pattern as written (`/admin/supporters/:id`). */
  path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
  slash?: boolean;
}

const join = (prefix: string, path: string) => (prefix + path).replace(/\/+$/, '') || '/';

function walk(stack: Layer[], prefix: string, out: RouteEntry[]) {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const method of Object.keys(layer.route.methods)) {
        if (method === '_all') continue;
        for (const path of paths) out.push({ method: method as RouteEntry['method'], path: join(prefix, path) });
      }
    } else if (layer.handle.stack) {
      // A router mounted with use(): its prefix is the layer's path (router 2.x keeps it as rawPath).
      const mount = layer.slash || layer.rawPath === undefined ? '' : String(layer.rawPath);
      walk(layer.handle.stack, join(prefix, mount) === '/' ? '' : join(prefix, mount), out);
    }
  }
}

/**
 * Every route of the app as its Express router stack holds them, read from a fresh createApp(ctx):
 * a route added to any feature appears here without editing a list. Middleware-only mounts (the
 * queue dashboard, static files) are not routes and are not listed.
 */
export function appRoutes(ctx: AppContext): RouteEntry[] {
  const app = createApp(ctx) as express.Express & { router: { stack: Layer[] } };
  const out: RouteEntry[] = [];
  walk(app.router.stack, '', out);
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
