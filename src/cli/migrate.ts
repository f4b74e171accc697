import { configFromProcess } from '../../config';
import { openDatabase } from '../db/client';

/** npm run db:migrate — applies committed migrations to DATABASE_URL or the embedded PGlite. */
async function run() {
  const config = configFromProcess();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await database.migrate();
  await database.close();
  process.stdout.write(`migrations applied (${database.kind})\n`);
}

run().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
