import express, { type Request } from 'express';
import { engine } from 'express-handlebars';
import cookieParser from 'cookie-parser';
import session from 'express-session';
import path from 'node:path';
import type { AppContext } from './context';
import { healthRoutes, metricsRoutes } from './features/health';
import { homeRoutes } from './features/home';
import { pageMeta, publicImageRoutes } from './features/settings';
import { adminRouter } from './features/admin';
import { cardLinkRoutes, webhookRoutes } from './features/billing';
import { givingRoutes } from './features/giving';
import { ME_IDLE_MINUTES, meRoutes } from './features/me';
import { signupRoutes } from './features/supporters';
import { archiveRoutes, clickRoutes, unsubscribeRoutes } from './features/newsletters';
import { viewHelpers } from './lib/view-helpers';
import { csrfProtection } from './web/csrf';
import { errorHandler, notFound } from './web/errors';
import { httpMetrics } from './web/http-metrics';
import { localeMiddleware } from './web/locale';
import { noStore } from './web/no-store';
import { requestId } from './web/request-id';
import { requestLog } from './web/request-log';
import { securityHeaders } from './web/security-headers';
import { DbSessionStore } from './web/session-store';

// Requests authenticated by something other than a cookie: no CSRF token expected.
const csrfExempt = (req: Request) => req.path.startsWith('/webhooks/') || req.path.startsWith('/unsubscribe/');

/** Builds the Express app: middleware, then every router in one list. */
export function createApp(ctx: AppContext): express.Express {
  const { config } = ctx;
  const secure = config.publicUrl.startsWith('https://');
  const app = express();

  app.disable('x-powered-by');
  // Pages carry per-visitor CSRF tokens, so an ETag would never match; hashing every body is wasted work.
  app.set('etag', false);
  // Only the proxies named by TRUST_PROXY may say who the client is and whether it came over https.
  app.set('trust proxy', config.trustProxy);
  app.engine(
    'hbs',
    engine({
      extname: '.hbs',
      defaultLayout: 'main',
      layoutsDir: path.join(ctx.viewsDir, 'layouts'),
      partialsDir: path.join(ctx.viewsDir, 'partials'),
      helpers: viewHelpers,
    }),
  );
  app.set('view engine', 'hbs');
  app.set('views', ctx.viewsDir);
  app.set('view cache', config.env !== 'development');

  // Every request gets an id (X-Request-Id) that its log lines and the jobs it causes carry.
  app.use(requestId());
  // Security headers; the CSP allows no inline script or style anywhere.
  app.use(
    securityHeaders({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          // Forms redirect (303) to Stripe Checkout and the Billing Portal; Chrome applies form-action to redirects.
          formAction: ["'self'", ...ctx.stripeOrigins],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: secure ? [] : null,
        },
      },
      strictTransportSecurity: secure,
    }),
  );
  // What signed-in people see (console, My page, their downloads, even error pages) is never cached.
  app.use(['/admin', '/me'], noStore());
  app.use(requestLog(ctx.logger));
  app.use(httpMetrics(ctx.metrics));
  app.use('/assets', express.static(path.join(ctx.viewsDir, 'assets'), { maxAge: config.env === 'production' ? '7d' : 0 }));
  // Self-hosted chart library for the dashboard (no CDN).
  app.use('/assets/vendor/chart.js', express.static(path.dirname(require.resolve('chart.js')), { maxAge: config.env === 'production' ? '7d' : 0 }));

  // Stripe webhooks need the raw body: mounted before the body parsers.
  app.use(webhookRoutes(ctx, ctx.stripe)); // POST /webhooks/stripe

  // Body parsers with small limits.
  app.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }));
  app.use(express.json({ limit: '64kb' }));
  app.use(cookieParser());
  app.use(localeMiddleware({ secure }));
  app.use(csrfProtection({ secret: ctx.sessionSecret, secure, exempt: csrfExempt }));
  // Server-side sessions only where people sign in (staff console, My page): visitors get none.
  // One store object per session() call: express-session writes its cookie settings onto the store
  // it is given (store.generate), so a shared store would hand staff the /me cookie.
  app.use(
    '/admin',
    session({
      store: new DbSessionStore(ctx.db),
      secret: ctx.sessionSecret,
      name: 'wf_sid',
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: 8 * 3600 * 1000 },
    }),
  );
  // Supporters get their own cookie, scoped to /me, that ends after 30 minutes without a request.
  app.use(
    '/me',
    session({
      store: new DbSessionStore(ctx.db),
      secret: ctx.sessionSecret,
      name: 'wf_me',
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure, path: '/me', maxAge: ME_IDLE_MINUTES * 60 * 1000 },
    }),
  );

  // The organisation's name and address for the layout's footer (settings are cached briefly).
  // A failing database must not break /healthz or the error pages: the footer then shows less.
  // Public pages also get their link-preview tags (Open Graph, Twitter card) and description.
  app.use(async (req, res, next) => {
    const settings = await ctx.settings.get().catch(() => undefined);
    res.locals.organisation = settings?.organisation;
    if (settings && req.method === 'GET' && !req.path.startsWith('/admin')) {
      const hash = await ctx.settings.ogImageHash().catch(() => undefined);
      res.locals.meta = pageMeta(ctx.config.publicUrl, req.path, req.locale, settings, hash);
    }
    next();
  });

  // Routers — every route of the app is reachable from this list.
  app.use(healthRoutes(ctx)); // GET /healthz
  app.use(metricsRoutes(ctx)); // GET /metrics (Prometheus; METRICS_TOKEN, or loopback without a proxy)
  app.use(homeRoutes(ctx)); // GET /
  app.use(publicImageRoutes(ctx)); // GET /media/og-image/:hash (the link-preview image from settings)
  app.use(givingRoutes(ctx)); // GET /family, POST /family/join, GET|POST /give, thanks pages
  app.use(cardLinkRoutes(ctx, ctx.stripe)); // GET /billing/card/:token (signed link → Billing Portal)
  app.use(meRoutes(ctx)); // /me/... My page: emailed sign-in link, plan, card, receipts, profile, data
  app.use(unsubscribeRoutes(ctx)); // GET|POST /unsubscribe/:token (one click, RFC 8058)
  app.use(signupRoutes(ctx)); // GET|POST /family/newsletter/confirm/:id/:token (emailed double opt-in)
  app.use(archiveRoutes(ctx)); // GET /family/news, /family/news/:id (sent issues)
  app.use(clickRoutes(ctx)); // GET /r/:link/:recipient (a newsletter link: counted, then 302)
  app.use(adminRouter(ctx)); // /admin/... staff console (routes and permissions: features/admin/admin.routes.ts)
  if (config.env !== 'production' && ctx.mailSink) {
    app.use(ctx.mailSink.routes); // GET /dev/mail (local mail viewer, src/dev/dev.routes.ts)
  }

  app.use(notFound);
  app.use(errorHandler(ctx.logger));
  return app;
}
