import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Config } from '../config';
import { jobContracts, isJobName, queueNames, type QueueName } from './lib/job-contracts';
import { openDatabase, type Database, type Db } from './db/client';
import type { Router } from 'express';
import type { MailSink } from './dev/mail-sink';
import { createSettingsService, type SettingsService } from './features/settings';
import { createStripeGateway, ensureCatalog, type StripeGateway } from './features/billing';
import { createSupporterCounter, type SupporterCounter } from './features/giving';
import { createLogger, type Logger } from './lib/logger';
import { projectPath } from './lib/project-root';
import { startLocalRedis, type LocalRedis } from './lib/local-redis';
import { createMailer, type Mailer } from './lib/mailer';
import { createMetrics, type Metrics } from './lib/metrics';
import { createDispatcher, watchOutboxBacklog, type Dispatcher } from './lib/outbox';
import { createQueues, watchQueueDepths, type Queues } from './lib/queue';
import { createEmailRenderer, type EmailRenderer } from './lib/render-email';

/** Everything the web and worker roles share, wired once per process. */
export interface AppContext {
  config: Config;
  logger: Logger;
  /** This process's Prometheus metrics (GET /metrics). */
  metrics: Metrics;
  database: Database;
  db: Db;
  redisUrl: string;
  queues: Queues<QueueName>;
  dispatcher: Dispatcher;
  mailer: Mailer;
  renderEmail: EmailRenderer;
  settings: SettingsService;
  stripe: StripeGateway;
  /** Origins a form may be redirected to (Stripe Checkout and Portal, or the sandbox emulator). */
  stripeOrigins: string[];
  /** In sandbox mode: registers this app's webhook URL with the local emulator once the port is known. */
  connectSandboxWebhooks?: (webhookUrl: string) => void;
  supporterCounter: SupporterCounter;
  sessionSecret: string;
  viewsDir: string;
  /** The local SMTP sink, its folder and its viewer (/dev/mail), when SMTP_URL is unset (development). */
  mailSink?: { sink: MailSink; dir: string; routes: Router };
  close(): Promise<void>;
}

export const viewsDir = projectPath('views');

/** The cookie-signing secret: SESSION_SECRET, or one generated once and kept in DATA_DIR. */
function resolveSessionSecret(config: Config): string {
  if (config.sessionSecret) return config.sessionSecret;
  const file = path.join(config.dataDir, 'session-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** The Stripe gateway: the real API with keys, otherwise the local emulator with its catalog set up. */
async function connectStripe(config: Config, logger: Logger, closers: (() => Promise<void> | void)[]) {
  if (!config.stripe.isSandbox) {
    const stripe = createStripeGateway({ secretKey: config.stripe.secretKey!, webhookSecret: config.stripe.webhookSecret!, apiUrl: config.stripe.apiUrl });
    const origins = config.stripe.apiUrl ? [new URL(config.stripe.apiUrl).origin] : ['https://checkout.stripe.com', 'https://billing.stripe.com'];
    return { stripe, stripeOrigins: origins };
  }
  // The emulator itself refuses to start when NODE_ENV=production; it is not even loaded unless sandboxed.
  const { startStripeEmulator } = require('./dev/stripe-emulator') as typeof import('./dev/stripe-emulator');
  const emulator = await startStripeEmulator({
    env: config.env,
    stateFile: path.join(config.dataDir, 'stripe-emulator.json'),
    portFile: path.join(config.dataDir, 'stripe-emulator.port'),
  });
  closers.push(() => emulator.stop());
  const webhookSecret = `whsec_${crypto
    .createHash('sha256')
    .update(`${resolveSessionSecret(config)}:webhooks`)
    .digest('hex')
    .slice(0, 32)}`;
  const stripe = createStripeGateway({ secretKey: emulator.secretKey, webhookSecret, apiUrl: emulator.url });
  await ensureCatalog(stripe, { returnUrl: `${config.publicUrl}/me` });
  logger.info({ url: emulator.url }, 'Stripe sandbox: the local emulator takes payments (test card 4242 4242 4242 4242)');
  let connected = false;
  return {
    stripe,
    stripeOrigins: [new URL(emulator.url).origin],
    connectSandboxWebhooks(webhookUrl: string) {
      if (connected) return;
      connected = true;
      emulator.addWebhookEndpoint(webhookUrl, webhookSecret);
    },
  };
}

/** Wires the process: each step is one component, in dependency order. */
export async function createContext(config: Config): Promise<AppContext> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const fn of closers.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  };
  try {
    // 1. Logs (JSON lines, personal data redacted, the request id on each) and metrics (Prometheus).
    const logger = createLogger(config.logLevel);
    const metrics = createMetrics({ prefix: 'welgee_' });
    fs.mkdirSync(config.dataDir, { recursive: true });

    // 2. Redis: REDIS_URL, or a private redis-server under DATA_DIR (embedded default).
    let redisUrl = config.redisUrl;
    if (!redisUrl) {
      const local: LocalRedis = await startLocalRedis({
        dir: path.join(config.dataDir, 'redis'),
        onRestart: ({ exitCode, attempt, delayMs }) => logger.warn({ exitCode, attempt, delayMs }, 'local redis-server stopped; starting it again'),
      });
      closers.push(() => local.stop());
      redisUrl = local.url;
      logger.info({ port: local.port }, 'started local redis-server (set REDIS_URL to use your own)');
    }

    // 3. Mail transport: SMTP_URL, or a local SMTP sink whose messages /dev/mail shows.
    let mailSink: AppContext['mailSink'];
    let smtpUrl = config.smtpUrl;
    if (!smtpUrl) {
      // src/dev is loaded only here, never in production (config refuses a missing SMTP_URL there).
      const { startMailSink } = require('./dev/mail-sink') as typeof import('./dev/mail-sink');
      const { devMailRoutes } = require('./dev/dev.routes') as typeof import('./dev/dev.routes');
      const dir = path.join(config.dataDir, 'mail');
      const sink = await startMailSink({ dir });
      closers.push(() => sink.stop());
      mailSink = { sink, dir, routes: devMailRoutes(dir) };
      smtpUrl = sink.url;
      logger.info({ port: sink.port }, 'mail goes to the local SMTP sink; read it at /dev/mail');
    }

    // 4. Database: PostgreSQL (DATABASE_URL) or PGlite in DATA_DIR; migrations applied on start.
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    closers.push(() => database.close());
    await database.migrate();
    watchOutboxBacklog(metrics, database.db); // read when /metrics is scraped

    // 5. Organisation settings, seeded from config/organisation.ts on first start.
    const settings = await createSettingsService(database.db);

    // 6. Stripe: STRIPE_SECRET_KEY, or the local emulator (sandbox mode, never in production).
    const payments = await connectStripe(config, logger, closers);

    // 7. Queues (BullMQ producers) and the outbox dispatcher that feeds them.
    const queues = createQueues(redisUrl, config.queuePrefix, queueNames);
    closers.push(() => queues.close());
    watchQueueDepths(metrics, queues, queueNames); // read when /metrics is scraped
    if (!(await queues.ready(10_000))) {
      // Not fatal: the outbox keeps jobs until Redis answers, and /healthz reports it meanwhile.
      logger.warn('Redis is not answering yet; jobs wait in the outbox until it does');
    }
    const dispatcher = createDispatcher({
      db: database.db,
      logger,
      queueFor: (name) => (isJobName(name) ? queues.get(jobContracts[name].queue) : undefined),
      isRedisReady: () => queues.connection.status === 'ready',
    });
    closers.push(() => dispatcher.stop());

    // 8. Mail: pooled SMTP and the email renderer (views/emails).
    const mailer = createMailer({ smtpUrl, from: config.mailFrom, metrics });
    closers.push(() => mailer.close());
    const renderEmail = createEmailRenderer(viewsDir);

    return {
      config,
      logger,
      metrics,
      database,
      db: database.db,
      redisUrl,
      queues,
      dispatcher,
      mailer,
      renderEmail,
      settings,
      ...payments,
      supporterCounter: createSupporterCounter(database.db),
      sessionSecret: resolveSessionSecret(config),
      viewsDir,
      mailSink,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
