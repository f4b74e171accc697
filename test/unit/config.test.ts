import path from 'node:path';
import { ConfigError, loadConfig } from '../../config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  test('when nothing is set, then the embedded defaults of the contract apply', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.stripe.isSandbox).toBe(true);
    expect(config.mailFrom).toBe('WELgee <family@welgee.example>');
  });

  test('when PORT is set and PUBLIC_URL is not, then PUBLIC_URL follows the port', () => {
    expect(loadConfig({ PORT: '4123' }).publicUrl).toBe('http://localhost:4123');
  });

  test('when variables are empty strings, then they count as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: ' ' }).port).toBe(3000);
  });

  test('when several values are wrong, then every problem is listed at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://localhost/db',
      REDIS_URL: 'localhost:6379',
      SMTP_URL: 'http://mail',
      STRIPE_SECRET_KEY: 'pk_test_123',
      ADMIN_EMAIL: 'not-an-email',
      SESSION_SECRET: 'short',
    });
    const keys = problems.map((p) => p.split(' ')[0]);
    expect(keys).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'STRIPE_SECRET_KEY', 'ADMIN_EMAIL', 'SESSION_SECRET']));
  });

  test('when NODE_ENV is production, then the embedded defaults and sandbox are refused', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    for (const key of ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'SESSION_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'PUBLIC_URL']) {
      expect(problems.some((p) => p.startsWith(`${key} `))).toBe(true);
    }
  });

  test('when only one Stripe key is set, then the other is named as missing', () => {
    expect(problemsOf({ STRIPE_SECRET_KEY: 'sk_test_abc' })).toEqual([expect.stringMatching(/^STRIPE_WEBHOOK_SECRET /)]);
  });

  test('when a full production environment is given, then it loads', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@db/welgee',
      REDIS_URL: 'redis://cache:6379',
      SMTP_URL: 'smtp://user:pass@smtp.example:587',
      SESSION_SECRET: 'x'.repeat(40),
      STRIPE_SECRET_KEY: 'sk_live_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
      PUBLIC_URL: 'https://family.welgee.jp/',
    });
    expect(config.publicUrl).toBe('https://family.welgee.jp');
    expect(config.stripe.isSandbox).toBe(false);
  });

  test('when METRICS_TOKEN is short or has odd characters, then it is refused; a long one and METRICS_PORT load', () => {
    expect(problemsOf({ METRICS_TOKEN: 'short-token' })).toEqual([expect.stringMatching(/^METRICS_TOKEN .*24/)]);
    expect(problemsOf({ METRICS_TOKEN: `${'a'.repeat(24)} b` })).toEqual([expect.stringMatching(/^METRICS_TOKEN /)]);
    expect(problemsOf({ METRICS_PORT: 'ninety' })).toEqual([expect.stringMatching(/^METRICS_PORT /)]);
    const config = loadConfig({ METRICS_TOKEN: 'a'.repeat(24), METRICS_PORT: '9464' });
    expect(config.metrics).toEqual({ token: 'a'.repeat(24), port: 9464 });
    expect(loadConfig({}).metrics).toEqual({ token: undefined, port: undefined });
  });
});
