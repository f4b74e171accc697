import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { configFromProcess } from '../../config';
import { openPglite, pgliteDirOf } from '../db/client';
import { DatabaseInUseError } from '../db/pglite-lock';
import { BackupError, fileTimestamp, formatSize, libpqTarget, majorOf, missingTool, runTool, serverVersion } from './backup-shared';

const USAGE =
  'usage: npm run backup -- [--out FILE|DIRECTORY]\n' +
  'With DATABASE_URL: pg_dump in custom format (welgee-<time>.dump). Without: the embedded database (PGlite)\n' +
  'as a tarball (welgee-pglite-<time>.tar.gz); stop the app first. The default folder is DATA_DIR/backups.';

/** npm run backup -- [--out FILE]: the whole database in one file (mode 0600), its path and size printed. */
async function run() {
  const { values } = parseCommandLine();
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const config = configFromProcess();
  const kind = config.databaseUrl ? 'postgres' : 'pglite';
  const target = outputPath(values.out, path.join(config.dataDir, 'backups'), kind === 'postgres' ? 'welgee-{time}.dump' : 'welgee-pglite-{time}.tar.gz');
  if (fs.existsSync(target)) throw new BackupError(`${target} already exists: choose another --out.`);
  const source = kind === 'postgres' ? await preparePostgres(config.databaseUrl!) : await preparePglite(config.dataDir);

  // Written under another name first, so that a failed run never leaves a file that looks like a backup.
  const partial = `${target}.partial`;
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    fs.rmSync(partial, { force: true });
    fs.closeSync(fs.openSync(partial, 'wx', 0o600));
    await source.write(partial);
    const fd = fs.openSync(partial, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(partial, target);
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  } finally {
    await source.close();
  }
  process.stdout.write(
    `backup of the ${source.label} written to ${target} (${formatSize(fs.statSync(target).size)})\n` +
      `It holds supporters' personal data: store it encrypted and delete copies that are no longer needed.\n`,
  );
}

interface Source {
  label: string;
  write(file: string): Promise<void>;
  close(): Promise<void>;
}

function parseCommandLine() {
  try {
    return parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new BackupError(`${(err as Error).message}\n${USAGE}`);
  }
}

/** --out as given (a folder gets the timestamped name inside it), or the timestamped name in the default folder. */
function outputPath(out: string | undefined, defaultDir: string, pattern: string): string {
  const name = pattern.replace('{time}', fileTimestamp(new Date()));
  if (!out) return path.resolve(defaultDir, name);
  const resolved = path.resolve(out);
  return fs.existsSync(resolved) && fs.statSync(resolved).isDirectory() ? path.join(resolved, name) : resolved;
}

/** pg_dump -Fc, once this pg_dump is known to handle the server (its major version must be ≥ the server's). */
async function preparePostgres(databaseUrl: string): Promise<Source> {
  const server = await serverVersion(databaseUrl);
  const { dbname, env, label } = libpqTarget(databaseUrl);
  const version = await runTool('pg_dump', ['--version'], env).catch((err) => {
    throw err instanceof BackupError ? missingTool('pg_dump', server.major) : err;
  });
  const client = majorOf(version.stdout);
  if (client && client.major < server.major) {
    throw new BackupError(
      `pg_dump ${client.text} cannot back up PostgreSQL ${server.text}: pg_dump's major version must be at least the server's (${server.major}).\n` +
        `Install the newer client tools (Debian/Ubuntu: apt-get install postgresql-client-${server.major}) and put them first on PATH.`,
    );
  }
  return {
    label,
    async write(file) {
      // The file exists already with mode 0600; pg_dump truncates it and keeps the mode.
      const result = await runTool('pg_dump', ['--format=custom', '--no-password', '--file', file, '--dbname', dbname], env);
      if (result.code !== 0) throw new BackupError(`pg_dump failed (exit code ${result.code}):\n${result.stderr.trim()}`);
    },
    close: async () => undefined,
  };
}

/** PGlite's dumpDataDir; refused while another process (the app) has the folder open. */
async function preparePglite(dataDir: string): Promise<Source> {
  const dir = pgliteDirOf(dataDir);
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) throw new BackupError(`There is no embedded database in ${dir} (DATA_DIR=${dataDir}): nothing to back up.`);
  const database = await openPglite(dir).catch((err) => {
    throw err instanceof DatabaseInUseError ? new BackupError(`${err.message}\nNothing was written.`) : err;
  });
  return {
    label: `embedded database in ${dir}`,
    async write(file) {
      const tarball = await database.dumpDataDir();
      fs.writeFileSync(file, Buffer.from(await tarball.arrayBuffer()));
    },
    close: () => database.close(),
  };
}

run().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
