import { ConfigError, configFromProcess } from '../config';
import { startWorker } from '../jobs/worker';
import { createContext } from './context';
import { DatabaseInUseError } from './db/pglite-lock';
import { bootstrapAdmin, FirstAdminMissingError } from './features/staff';
import { RedisMissingError } from './lib/local-redis';
import { startMetricsServer, startWeb } from './server';

type Role = 'all' | 'web' | 'worker';

/** Process entry: `all` (npm start), `web` or `worker`. */
async function main(role: Role) {
  let config;
  try {
    config = configFromProcess();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  if (role !== 'all' && !config.databaseUrl) {
    process.stderr.write(
      `The embedded database (PGlite) lives inside one process: run \`npm start\` for web and worker together,\n` +
        `or set DATABASE_URL to run \`start:${role}\` as a separate process.\n`,
    );
    process.exit(78);
  }

  const ctx = await createContext(config);
  // The first admin: from ADMIN_EMAIL/ADMIN_PASSWORD, or generated and printed once (never in production).
  const admin = await bootstrapAdmin(ctx.db, config.admin, { isProduction: config.env === 'production' });
  if (admin) {
    process.stdout.write(
      admin.password ? `Created the first admin: ${admin.email} / ${admin.password} (shown once; change it at /admin/account)\n` : `Created the first admin: ${admin.email}\n`,
    );
  }
  const stops: (() => Promise<void>)[] = [];
  if (role !== 'worker') {
    const web = await startWeb(ctx);
    stops.push(web.close);
    if (role === 'all') process.stdout.write(`WELgee Family is running at ${config.publicUrl}\n`);
  }
  if (role !== 'web') {
    const worker = await startWorker(ctx);
    stops.push(worker.close);
  }
  if (role === 'worker' && config.metrics.port) {
    // The web role serves /metrics itself; a worker process answers on a port of its own.
    const metrics = await startMetricsServer(ctx, config.metrics.port);
    stops.push(metrics.close);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    for (const stop of stops) await stop().catch((err) => ctx.logger.error({ err }, 'stop failed'));
    await ctx.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

const role = (process.argv[2] ?? 'all') as Role;
if (!['all', 'web', 'worker'].includes(role)) {
  process.stderr.write(`unknown role ${role}: use all, web or worker\n`);
  process.exit(64);
}
main(role).catch((err) => {
  if (err instanceof RedisMissingError || err instanceof DatabaseInUseError || err instanceof FirstAdminMissingError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(err instanceof FirstAdminMissingError ? 78 : 1);
  } else {
    process.stderr.write(`failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  }
  process.exit(1);
});
