import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type Stripe from 'stripe';
import { createControls, mountEmulatorRoutes } from './controls';
import { createListener, Router } from './http';
import { mountBillingRoutes } from './routes-billing';
import { mountCatalogRoutes } from './routes-catalog';
import { mountCheckoutPages } from './routes-checkout-page';
import { mountPaymentRoutes } from './routes-payments';
import { mountPortalPages } from './routes-portal-page';
import { Store } from './store';
import { WebhookDispatcher, type WebhookAttempt } from './webhooks';

export { signPayload, type WebhookAttempt } from './webhooks';

export interface StripeEmulatorOptions {
  /** Default: a free port on 127.0.0.1. */
  port?: number;
  /**
   * When given (and no `port`), the port is kept in this file: reused on the next start when it is free,
   * else a new free port is chosen and written, so hosted-page links and bookmarks survive a restart.
   */
  portFile?: string;
  /** The emulator refuses to start in production. */
  env: 'development' | 'test' | 'production';
  /** The only API key accepted (default 'sk_test_emulator'); any other gets Stripe's 401. */
  secretKey?: string;
  /** When given, all state is kept in this JSON file (loaded at start, written after each change). */
  stateFile?: string;
  /** Webhook retry schedule after a non-2xx answer or a network error; default [500, 2000, 5000]. */
  retryDelaysMs?: number[];
  /** Default true: events are POSTed to every webhook endpoint shortly after they happen, in order per endpoint. */
  autoDeliver?: boolean;
  /** Called after every webhook POST (first attempt, retry or deliverEvent) with its answer. */
  onDelivery?: (attempt: WebhookAttempt) => void;
}

export interface StripeEmulator {
  /** Base URL of the API and of the hosted pages, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  secretKey: string;
  /** Registers (or, for a URL already registered, updates) a webhook endpoint; also POST /v1/webhook_endpoints. */
  addWebhookEndpoint(url: string, secret?: string): { id: string; secret: string };
  /** Pays an open checkout session as its hosted page would; `error` is a Stripe-style code such as card_declined. */
  payCheckoutSession(sessionId: string, card: string): Promise<{ ok: boolean; redirectUrl?: string; error?: string }>;
  /** Like a test clock: the next period's invoice and its payment, or the end of a subscription set to cancel. */
  advanceSubscription(subscriptionId: string): Promise<{ invoiceId?: string }>;
  /** Makes a test card the customer's default (e.g. 4000 0000 0000 0341 before advancing). */
  setCustomerCard(customerId: string, card: string): void;
  /** Opens a dispute over a charge; resolves to the dispute id. */
  createDispute(chargeId: string): Promise<string>;
  /** Every event created, in order. */
  events(): Stripe.Event[];
  /**
   * POSTs one event again now to every endpoint listening to its type, or only to the endpoint at
   * `endpointUrl`; resolves to the first status that was not 2xx, else the last one (0: no answer).
   */
  deliverEvent(eventId: string, endpointUrl?: string): Promise<number>;
  stop(): Promise<void>;
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function readStoredPort(file: string): number {
  try {
    const port = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(port) && port > 0 && port < 65536 ? port : 0;
  } catch {
    return 0;
  }
}

/** Listens on the stored port when it is free, else on a new free one, and stores the port used. */
async function listenOnStoredPort(server: http.Server, file: string): Promise<number> {
  const stored = readStoredPort(file);
  let port = 0;
  if (stored) port = await listen(server, stored).catch((error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' || error.code === 'EACCES' ? 0 : Promise.reject(error)));
  if (!port) port = await listen(server, 0);
  if (port !== stored) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${port}\n`);
  }
  return port;
}

/** Points stored hosted-page URLs at this run's address (the port may differ from the run that saved them). */
function rebaseUrls(store: Store, baseUrl: string): void {
  for (const session of Object.values(store.state.checkoutSessions)) {
    if (session.url) session.url = `${baseUrl}/checkout/${session.id}`;
  }
  for (const session of Object.values(store.state.portalSessions)) session.url = `${baseUrl}/portal/${session.id}`;
}

/**
 * Starts a local HTTP server speaking the part of Stripe's REST API the app uses (for the real `stripe`
 * SDK), with hosted Checkout and Billing Portal pages and signed webhooks. Never runs in production.
 */
export async function startStripeEmulator(opts: StripeEmulatorOptions): Promise<StripeEmulator> {
  if (opts.env === 'production') {
    throw new Error('The Stripe emulator must never run in production (NODE_ENV=production): set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.');
  }
  const secretKey = opts.secretKey ?? 'sk_test_emulator';
  const store = new Store(opts.stateFile);
  const dispatcher = new WebhookDispatcher(store, { retryDelaysMs: opts.retryDelaysMs ?? [500, 2000, 5000], autoDeliver: opts.autoDeliver ?? true, onDelivery: opts.onDelivery });
  store.onEvent((event: Stripe.Event) => dispatcher.enqueue(event));
  const controls = createControls(store, dispatcher);

  let baseUrl = '';
  const router = new Router();
  mountCatalogRoutes(router, store);
  mountBillingRoutes(router, store, () => baseUrl);
  mountPaymentRoutes(router, store);
  mountCheckoutPages(router, store);
  mountPortalPages(router, store);
  mountEmulatorRoutes(router, controls);

  const server = http.createServer(createListener({ router, store, secretKey }));
  server.keepAliveTimeout = 5_000;
  const port = opts.port === undefined && opts.portFile ? await listenOnStoredPort(server, opts.portFile) : await listen(server, opts.port ?? 0);
  baseUrl = `http://127.0.0.1:${port}`;
  rebaseUrls(store, baseUrl);

  let stopped: Promise<void> | undefined;
  const emulator: StripeEmulator = {
    url: baseUrl,
    port,
    secretKey,
    ...controls,
    stop() {
      stopped ??= (async () => {
        await dispatcher.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        store.saveNow();
      })();
      return stopped;
    },
  };
  return emulator;
}
