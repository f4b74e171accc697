import { eq, sql } from 'drizzle-orm';
import { viewsDir } from '../../src/context';
import { openDatabase, type Database } from '../../src/db/client';
import { emails } from '../../src/db/schema';
import { deliverEmail } from '../../src/features/emails';
import { createSettingsService } from '../../src/features/settings';
import type { Mailer } from '../../src/lib/mailer';
import { createEmailRenderer } from '../../src/lib/render-email';
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
    await opened.migrate();
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
    await link.restore();
    await eventually(async () => opened.ping().then(() => true), 10_000);
    const result = (await opened.db.execute(sql`select 42 as answer`)) as unknown as { rows: { answer: number }[] };
    expect(result.rows[0]!.answer).toBe(42);
  });

  test('when the database goes away just after SMTP accepted an email, then the email is recorded as sent once it is back, and not sent again', async () => {
    const [row] = await opened.db.insert(emails).values({ template: 'welcome', toAddress: 'blip@example.jp', locale: 'ja' }).returning({ id: emails.id });
    let sends = 0;
    const mailer = {
      async send() {
        sends++;
        // The message has left; the database is away for a moment before it can be recorded.
        link.cut();
        setTimeout(() => void link.restore(), 1500);
        return { messageId: '<blip@example.jp>' };
      },
    } as unknown as Mailer;
    const settings = await createSettingsService(opened.db);
    const deps = {
      db: opened.db,
      mailer,
      renderEmail: createEmailRenderer(viewsDir),
      settings: () => settings.get(),
      publicUrl: 'https://family.welgee.example',
      recordForMs: 30_000,
    };

    await expect(deliverEmail(deps, row!.id)).resolves.toBe('sent');
    await expect(deliverEmail(deps, row!.id)).resolves.toBe('skipped');
    expect(sends).toBe(1);
    const [stored] = await opened.db.select().from(emails).where(eq(emails.id, row!.id));
    expect(stored).toMatchObject({ status: 'sent', messageId: '<blip@example.jp>' });
  });
});
