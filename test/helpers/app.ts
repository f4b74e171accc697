import { loadConfig, type Config } from '../../config';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { createContext, type AppContext } from '../../src/context';
import { startMailSink, type MailSink, type MailSinkOptions } from '../../src/dev/mail-sink';
import { startStripeEmulator, type StripeEmulator } from '../../src/dev/stripe-emulator';
import { ensureCatalog } from '../../src/features/billing';
import { startWeb, type RunningWeb } from '../../src/server';
import { freePort } from '../../src/lib/local-redis';
import { acquireRedis, createTestDatabase, tempDir, uniqueName } from './services';

export interface TestApp {
  ctx: AppContext;
  web: RunningWeb;
  worker?: RunningWorker;
  mail: MailSink;
  url: string;
  config: Config;
  /** The Stripe emulator the app talks to (over HTTP, with the real SDK). */
  stripe: StripeEmulator;
  stop(): Promise<void>;
}

export const TEST_WEBHOOK_SECRET = 'whsec_test_0123456789abcdef';

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Start the BullMQ workers too (default true). */
  worker?: boolean;
  /** Use this Redis instead of the shared one (e.g. one the test stops and starts). */
  redisUrl?: string;
  /** false: the emulator keeps webhook events until the test delivers them (default true). */
  autoDeliverWebhooks?: boolean;
  /** How long the emulator waits before each retry of a webhook the app did not take (default 0.2, 0.5, 1 s). */
  webhookRetryDelaysMs?: number[];
  /** Rewrites the database URL the app is given (e.g. to reach PostgreSQL through a proxy the test can cut). */
  databaseUrlFor?: (url: string) => string;
  /** Options of the SMTP sink (e.g. recipients it refuses with a 5xx). */
  mailSink?: MailSinkOptions;
  /** false: leave the organisation's postal address blank, as a fresh install ships (default: filled in). */
  legalDetails?: boolean;
}

/** The organisation's postal address tests use (newsletters and reports need one before they are sent). */
export const TEST_ADDRESS = { ja: '〒100-0001 東京都千代田区千代田1-1 テストビル3階', en: 'Test Building 3F, 1-1 Chiyoda, Chiyoda-ku, Tokyo 100-0001' };

/**
 * Starts the real app on a free port with real services: its own database, its own queue prefix,
 * and a real SMTP server on loopback that keeps every message.
 */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const redis = opts.redisUrl ? { url: opts.redisUrl, release: async () => undefined } : await acquireRedis();
  const mail = await startMailSink(opts.mailSink);
  const stripe = await startStripeEmulator({ env: 'test', autoDeliver: opts.autoDeliverWebhooks ?? true, retryDelaysMs: opts.webhookRetryDelaysMs ?? [200, 500, 1000] });
  // The port is chosen first so that PUBLIC_URL (return URLs, email links) points at this app.
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: tempDir(),
    DATABASE_URL: database.url && opts.databaseUrlFor ? opts.databaseUrlFor(database.url) : database.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: uniqueName('q'),
    SMTP_URL: mail.url,
    SESSION_SECRET: 'test-secret-that-is-long-enough-for-the-schema',
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    STRIPE_API_URL: stripe.url,
    ...opts.env,
  });
  const ctx = await createContext(config);
  if (opts.legalDetails !== false) {
    const { organisation } = await ctx.settings.get();
    await ctx.settings.update('organisation', { ...organisation, address: TEST_ADDRESS });
  }
  const web = await startWeb(ctx);
  await ensureCatalog(ctx.stripe, { returnUrl: `${web.url}/me` });
  stripe.addWebhookEndpoint(`${web.url}/webhooks/stripe`, TEST_WEBHOOK_SECRET);
  const worker = opts.worker === false ? undefined : await startWorker(ctx);
  return {
    ctx,
    web,
    worker,
    mail,
    url: web.url,
    config,
    stripe,
    async stop() {
      await web.close();
      await worker?.close();
      await ctx.close();
      await stripe.stop();
      await mail.stop();
      await redis.release();
      await database.drop();
    },
  };
}

/** Polls until fn returns a truthy value (or throws after timeoutMs). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
