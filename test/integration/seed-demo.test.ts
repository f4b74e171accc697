import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { createPostgresDatabase, serverDatabaseUrl, tempDir } from '../helpers/services';

const root = path.resolve(__dirname, '../..');

/** Runs `npm run seed:demo` (its script) as a child process; standard input is not a terminal. */
function seedDemo(args: string[], databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'src/cli/seed-demo.ts'), '--supporters', '30', '--gifts', '40', ...args], {
      cwd: tempDir('wf-cli-'),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: tempDir(), DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const maybe = serverDatabaseUrl ? describe : describe.skip;

maybe('npm run seed:demo', () => {
  let database: { url: string; drop(): Promise<void> };
  const counts = async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ demo: number; real: number }>(
        `select count(*) filter (where email_normalized like '%@demo.example.%')::int as demo, count(*) filter (where email_normalized not like '%@demo.example.%')::int as real from supporters`,
      );
      return rows[0]!;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    database = await createPostgresDatabase(serverDatabaseUrl!);
  });
  afterAll(() => database.drop());

  test('when the database is empty, then it writes the demo set', async () => {
    const run = await seedDemo([], database.url);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(await counts()).toEqual({ demo: 30, real: 0 });
  });

  test('when another session (a running app) is connected, then it refuses, says why and how, and changes nothing', async () => {
    const app = new pg.Client({ connectionString: database.url });
    await app.connect();
    try {
      const run = await seedDemo(['--supporters', '5'], database.url);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('nothing was changed');
      expect(run.stderr).toContain('other sessions are connected');
      expect(run.stderr).toContain('--force');
      expect(await counts()).toEqual({ demo: 30, real: 0 });
    } finally {
      await app.end();
    }
  });

  test('when the database holds real supporters, then it refuses unless --force or --yes is given', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`insert into supporters (email, email_normalized, family_name, given_name) values ('hanako@example.org', 'hanako@example.org', '山田', '花子')`);
    await client.end();

    const refused = await seedDemo([], database.url);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('1 supporters who are not demo rows');
    expect(await counts()).toEqual({ demo: 30, real: 1 });

    const forced = await seedDemo(['--supporters', '12', '--force'], database.url);
    expect(forced.code).toBe(0);
    expect(await counts()).toEqual({ demo: 12, real: 1 });
    const yes = await seedDemo(['--supporters', '7', '--yes'], database.url);
    expect(yes.code).toBe(0);
    expect(await counts()).toEqual({ demo: 7, real: 1 });
  });
});
