import { openDatabase } from '../../src/db/client';
import { staff } from '../../src/db/schema';
import { bootstrapAdmin } from '../../src/features/staff';
import { createTestDatabase, tempDir } from '../helpers/services';

describe('the first admin', () => {
  test('when several processes start at once on an empty database, then one creates the admin and none fails', async () => {
    const test = await createTestDatabase();
    const database = await openDatabase({ databaseUrl: test.url, dataDir: tempDir() });
    try {
      await database.migrate();
      const admin = { email: 'first-admin@welgee.example', password: 'a-long-enough-password' };
      const results = await Promise.all([1, 2, 3].map(() => bootstrapAdmin(database.db, admin, { isProduction: true })));
      expect(results.filter(Boolean)).toEqual([{ email: admin.email, password: undefined }]);
      expect(await database.db.select().from(staff)).toHaveLength(1);
    } finally {
      await database.close();
      await test.drop();
    }
  });
});
