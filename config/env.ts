import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';

// Empty strings in the environment mean "unset", as in most .env tooling.
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

// Express's named address ranges (proxy-addr), accepted in TRUST_PROXY besides addresses and CIDRs.
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** True for an IPv4/IPv6 address, with an optional /prefix that fits it. */
function isAddressOrCidr(text: string): boolean {
  const [address, prefix, ...rest] = text.split('/');
  const family = net.isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** TRUST_PROXY: how many proxies are in front (a hop count), or which addresses are proxies. */
const trustProxy = z
  .string()
  .transform((v) => v.trim())
  .refine((v) => /^\d{1,2}$/.test(v) || v.split(',').every((part) => PROXY_NAMES.includes(part.trim()) || isAddressOrCidr(part.trim())), {
    message: `must be a hop count (e.g. 1) or a comma-separated list of addresses, CIDRs or ${PROXY_NAMES.join('/')}`,
  })
  .transform((v): number | string[] => (/^\d+$/.test(v) ? Number(v) : v.split(',').map((part) => part.trim())));

/** The environment contract (DESIGN.md). Every variable is optional for `npm start`. */
export const envSchema = z.object({
  NODE_ENV: optional(z.enum(['development', 'test', 'production'])),
  PORT: optional(z.coerce.number().int().min(0).max(65535)),
  HOST: optional(z.string().refine((v) => net.isIP(v) !== 0 || v === 'localhost', 'must be an IP address to listen on (127.0.0.1, 0.0.0.0, ::) or localhost')),
  TRUST_PROXY: optional(trustProxy),
  PUBLIC_URL: optional(url(['http:', 'https:'])),
  DATABASE_URL: optional(url(['postgres:', 'postgresql:'])),
  DATA_DIR: optional(z.string()),
  REDIS_URL: optional(url(['redis:', 'rediss:'])),
  QUEUE_PREFIX: optional(z.string().regex(/^[a-z0-9_-]{1,40}$/i, 'letters, digits, - and _ only (max 40)')),
  STRIPE_SECRET_KEY: optional(z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'must look like sk_test_… or sk_live_…')),
  STRIPE_WEBHOOK_SECRET: optional(z.string().regex(/^whsec_\w+$/, 'must look like whsec_…')),
  STRIPE_API_URL: optional(url(['http:', 'https:'])),
  SMTP_URL: optional(url(['smtp:', 'smtps:'])),
  MAIL_FROM: optional(z.string().min(3).max(200)),
  SESSION_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
  ADMIN_EMAIL: optional(z.email()),
  ADMIN_PASSWORD: optional(z.string().min(12, 'must be at least 12 characters')),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  // Bearer token for GET /metrics from anywhere but a direct loopback connection.
  METRICS_TOKEN: optional(
    z
      .string()
      .min(24, 'must be at least 24 characters')
      .regex(/^[A-Za-z0-9._~+/=-]+$/, 'letters, digits and . _ ~ + / = - only'),
  ),
  // The worker role has no web server: set this to serve its own /metrics on that port.
  METRICS_PORT: optional(z.coerce.number().int().min(1).max(65535)),
});

/** Rules across variables, checked on the raw values so they are reported with the type errors. */
function crossFieldProblems(source: Record<string, string | undefined>): string[] {
  const env = Object.fromEntries(Object.entries(source).map(([k, v]) => [k, v?.trim() ? v : undefined]));
  const problems: string[] = [];
  const problem = (key: string, message: string) => problems.push(`${key} ${message}`);
  if (env.NODE_ENV === 'production') {
    for (const key of ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'SESSION_SECRET', 'PUBLIC_URL'] as const) {
      if (!env[key]) problem(key, 'is required when NODE_ENV=production');
    }
    if (!env.STRIPE_SECRET_KEY) problem('STRIPE_SECRET_KEY', 'is required when NODE_ENV=production (sandbox mode is for development only)');
    if (!env.STRIPE_WEBHOOK_SECRET) problem('STRIPE_WEBHOOK_SECRET', 'is required when NODE_ENV=production');
  }
  if (Boolean(env.STRIPE_SECRET_KEY) !== Boolean(env.STRIPE_WEBHOOK_SECRET)) {
    problem(env.STRIPE_SECRET_KEY ? 'STRIPE_WEBHOOK_SECRET' : 'STRIPE_SECRET_KEY', 'must be set together with the other Stripe key');
  }
  if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
    problem(env.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL', 'must be set together with the other admin variable');
  }
  return problems;
}

/** The configuration every part of the app receives; built only here. */
export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  /** the address the web server listens on */
  host: string;
  /** Express `trust proxy`: a hop count or the proxies' addresses (client IPs, https and cookies follow it) */
  trustProxy: number | string[];
  publicUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  queuePrefix: string;
  stripe: { secretKey: string | undefined; webhookSecret: string | undefined; apiUrl: string | undefined; isSandbox: boolean };
  smtpUrl: string | undefined;
  mailFrom: string;
  sessionSecret: string | undefined;
  admin: { email: string; password: string } | undefined;
  logLevel: string;
  /** GET /metrics: the bearer token (else direct loopback only) and the worker role's own port. */
  metrics: { token: string | undefined; port: number | undefined };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Validates an environment and returns the config, or throws ConfigError listing every problem. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(source);
  const problems = [...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'} ${i.message}`)), ...crossFieldProblems(source)];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;
  const port = env.PORT ?? 3000;
  const nodeEnv = env.NODE_ENV ?? 'development';
  return {
    env: nodeEnv,
    port,
    // Loopback unless told otherwise: the sandbox's /dev/mail shows live sign-in links.
    host: env.HOST ?? '127.0.0.1',
    trustProxy: env.TRUST_PROXY ?? ['loopback'],
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    databaseUrl: env.DATABASE_URL,
    dataDir: path.resolve(env.DATA_DIR ?? './data'),
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX ?? 'welgee',
    stripe: {
      secretKey: env.STRIPE_SECRET_KEY,
      webhookSecret: env.STRIPE_WEBHOOK_SECRET,
      apiUrl: env.STRIPE_API_URL,
      isSandbox: !env.STRIPE_SECRET_KEY,
    },
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM ?? 'WELgee <family@welgee.example>',
    sessionSecret: env.SESSION_SECRET,
    admin: env.ADMIN_EMAIL && env.ADMIN_PASSWORD ? { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD } : undefined,
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    metrics: { token: env.METRICS_TOKEN, port: env.METRICS_PORT },
  };
}
