import { parseArgs } from 'node:util';
import { configFromProcess } from '../../config';
import { openDatabase } from '../db/client';
import { createStaff, roles, type Role } from '../features/staff';
import { generatePassword } from '../lib/passwords';

/** npm run staff:create -- --email a@b.jp --name "名前" --role staff|finance|admin [--password …] */
async function run() {
  const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' } } });
  if (!values.email || !values.name || !roles.includes(values.role as Role)) {
    throw new Error(`usage: npm run staff:create -- --email EMAIL --name NAME --role ${roles.join('|')} [--password PASSWORD]`);
  }
  const password = values.password ?? generatePassword();
  const config = configFromProcess();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await database.migrate();
  await createStaff(database.db, { email: values.email, name: values.name, role: values.role as Role, password });
  await database.close();
  process.stdout.write(`created ${values.role} ${values.email}${values.password ? '' : ` with password ${password} (shown once)`}\n`);
}

run().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
