import crypto from 'node:crypto';
import { Router, type Request } from 'express';
import type { AppContext } from '../../context';

// Headers a proxy adds: a request carrying one came through a proxy, even over a loopback socket.
const forwardingHeaders = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'via'];

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

const digest = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest();

/**
 * Who may read /metrics. With METRICS_TOKEN set: whoever sends `Authorization: Bearer <token>`
 * (compared in constant time), from anywhere, loopback included. Without it: a direct connection
 * from this machine only, i.e. a loopback socket and no proxy header, so a proxy on this machine
 * never makes the world look local. A wrong Authorization header is 401; anything else is 404.
 */
export function metricsAccess(req: Pick<Request, 'headers' | 'socket'>, token: string | undefined): 'allowed' | 'unauthorized' | 'hidden' {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const given = /^Bearer +([^\s]+) *$/i.exec(authorization)?.[1];
    if (!token || !given) return 'unauthorized';
    return crypto.timingSafeEqual(digest(given), digest(token)) ? 'allowed' : 'unauthorized';
  }
  if (token) return 'hidden';
  const isProxied = forwardingHeaders.some((name) => req.headers[name] !== undefined);
  return !isProxied && isLoopback(req.socket.remoteAddress) ? 'allowed' : 'hidden';
}

/** GET /metrics: this process's metrics in the Prometheus text format, for the scraper only. */
export function metricsRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/metrics', async (req, res, next) => {
    const access = metricsAccess(req, ctx.config.metrics.token);
    if (access === 'hidden') return next(); // the same 404 as any unknown path
    if (access === 'unauthorized') return res.status(401).set('WWW-Authenticate', 'Bearer').type('text/plain').send('Unauthorized');
    res
      .set('Cache-Control', 'no-store')
      .type(ctx.metrics.contentType)
      .send(await ctx.metrics.exposition());
  });
  return router;
}
