import { sql } from 'drizzle-orm';
import { cursorArrays } from '../../src/db/raw-rows';
import { ledgerExportPages, ledgerPages, ledgerQuery, MAX_CURSORS, type LedgerRow } from '../../src/features/exports/ledger-rows';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedLedger } from '../helpers/ledger-fixture';

const april = { from: '2026-04-01', to: '2026-04-30' };

describe('reading the ledger for a download through one cursor', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    await seedLedger(app);
  });
  afterAll(() => app.stop());

  /** Connections of this database left in an open transaction (a cursor not closed). */
  const openTransactions = async () => {
    const rows = await app.ctx.db.execute(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`);
    return Number((rows as unknown as { rows: { n: number }[] }).rows[0]!.n);
  };

  // The suite runs on PostgreSQL; on PGlite downloads page by keyset and there is no cursor to test.
  const onPostgres = !!process.env.DATABASE_URL;
  (onPostgres ? test : test.skip)("when the rows are read three at a time, then they are the keyset pages' rows in the same order, and the transaction ends", async () => {
    const { text, params } = ledgerQuery(april);
    const viaCursor: (string | null)[][][] = [];
    for await (const page of cursorArrays(app.ctx.db, text, params, 3)) viaCursor.push(page);
    const viaKeyset: string[][] = [];
    for await (const page of ledgerPages(app.ctx.db, april, 3)) viaKeyset.push(page.map((r) => r.id));
    expect(viaCursor.map((page) => page.length)).toEqual([3, 3, 2]);
    expect(viaCursor.map((page) => page.map((r) => r[0]))).toEqual(viaKeyset);
    expect(await openTransactions()).toBe(0);
  });

  (onPostgres ? test : test.skip)(
    "when the reader stops after the first page (a cancelled download), then the cursor's transaction ends and its connection is reused",
    async () => {
      const { text, params } = ledgerQuery(april);
      const pages = cursorArrays(app.ctx.db, text, params, 2);
      const first = await pages.next();
      expect(first.value).toHaveLength(2);
      expect(await openTransactions()).toBe(1);
      await pages.return(undefined);
      expect(await openTransactions()).toBe(0);
      // The pool still answers on every connection it holds.
      await Promise.all(Array.from({ length: 10 }, () => app.ctx.db.execute(sql`select 1`)));
    },
  );

  (onPostgres ? test : test.skip)('when the query fails, then the error reaches the reader and no transaction is left open', async () => {
    const pages = cursorArrays(app.ctx.db, 'select 1/0', [], 2);
    await expect(pages.next()).rejects.toThrow(/division by zero/);
    expect(await openTransactions()).toBe(0);
  });

  (onPostgres ? test : test.skip)('when more downloads run at once than may hold a cursor, then the others page by keyset and every one gets all the rows', async () => {
    const readers = Array.from({ length: MAX_CURSORS + 2 }, () => ledgerExportPages(app.ctx.db, april));
    const firsts = await Promise.all(readers.map((r) => r.next()));
    // Each cursor download is paused inside its transaction; the keyset ones hold none.
    expect(await openTransactions()).toBe(MAX_CURSORS);
    for (const [i, reader] of readers.entries()) {
      const ids = ((firsts[i]!.value as LedgerRow[] | undefined) ?? []).map((r) => r.id);
      for await (const page of { [Symbol.asyncIterator]: () => reader }) ids.push(...page.map((r) => r.id));
      expect(ids).toHaveLength(8);
    }
    expect(await openTransactions()).toBe(0);
  });
});
