import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/db/client';
import { eventually } from '../helpers/app';
import { createPostgresDatabase, serverDatabaseUrl, tempDir } from '../helpers/services';
import { startCuttableLink, type CuttableLink } from '../helpers/tcp-cut';

// The database can go away under a running process (failover, network, restart). The process must
// answer errors meanwhile and carry on afterwards, not die of an unhandled 'error' event.
(serverDatabaseUrl ? describe : describe.skip)('a PostgreSQL connection that drops', () => {
  let database: { url: string; drop(): Promise<void> };
  let link: CuttableLink;
  let opened: Database;

  beforeAll(async () => {
    database = await createPostgresDatabase(serverDatabaseUrl!);
    const direct = new URL(database.url);
    link = await startCuttableLink({ host: direct.hostname, port: Number(direct.port || 5432) });
    direct.host = `127.0.0.1:${link.port}`;
    opened = await openDatabase({ databaseUrl: direct.toString(), dataDir: tempDir() });
  });
  afterAll(async () => {
    await opened?.close();
    await link?.stop();
    await database?.drop();
  });

  test('when the connection drops inside a transaction, then the transaction fails, the process lives on and queries work again once the database is back', async () => {
    const transaction = opened.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      link.cut();
      await new Promise((r) => setTimeout(r, 200));
      await tx.execute(sql`select 2`);
    });
    await expect(transaction).rejects.toThrow();
    await expect(opened.ping()).rejects.toThrow();
    link.restore();
    await eventually(async () => opened.ping().then(() => true), 10_000);
    const result = (await opened.db.execute(sql`select 42 as answer`)) as unknown as { rows: { answer: number }[] };
    expect(result.rows[0]!.answer).toBe(42);
  });
});
