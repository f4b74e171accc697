import { eq } from 'drizzle-orm';
import { consents, supporters } from '../../src/db/schema';
import { bookOfflineGift, reverseOfflineGift } from '../../src/features/giving/offline-gifts.service';
import { mergeSupporters } from '../../src/features/supporters/supporters.merge.service';
import { registerSupporter } from '../../src/features/supporters';
import { tokyoDay } from '../../src/lib/dates';
import { startTestApp, type TestApp } from '../helpers/app';
import { createStaff } from '../../src/features/staff';

describe('supporter status and merged records', () => {
  let app: TestApp;
  let staffId: string;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    staffId = (await createStaff(app.ctx.db, { email: `s-${Date.now()}@welgee.example`, name: 'S', role: 'admin', password: 'correct horse battery staple' })).id;
  });
  afterAll(() => app.stop());

  const person = (email: string) => ({ kind: 'individual' as const, email, familyName: '小林', givenName: '葵', locale: 'ja' as const });
  const statusOf = async (id: string) => (await app.ctx.db.select().from(supporters).where(eq(supporters.id, id)))[0]!.status;

  test('when the only gift of a supporter is reversed, then they are no longer counted as a donor', async () => {
    const s = await app.ctx.db.transaction((tx) => registerSupporter(tx, person(`rev-${Date.now()}@example.jp`), [], { source: 'staff' }));
    const gift = await app.ctx.db.transaction((tx) =>
      bookOfflineGift(tx, { supporterId: s.id, receivedOn: tokyoDay(new Date()), amount: 5000, method: 'bank_transfer', payerName: 'コバヤシ アオイ', note: null }, { staffId }),
    );
    expect(await statusOf(s.id)).toBe('one_time');
    const outcome = await reverseOfflineGift(app.ctx.db, gift!.id, '別の方の振込でした', { staffId });
    expect(outcome.ok).toBe(true);
    expect(await statusOf(s.id)).toBe('prospect');
  });

  test('when someone joins again with the email of a duplicate merged away, then the kept supporter is used', async () => {
    const keptEmail = `kept-${Date.now()}@example.jp`;
    const dupEmail = `dup-${Date.now()}@example.jp`;
    const kept = await app.ctx.db.transaction((tx) => registerSupporter(tx, person(keptEmail), [], { source: 'staff' }));
    const dup = await app.ctx.db.transaction((tx) => registerSupporter(tx, person(dupEmail), [], { source: 'staff' }));
    await mergeSupporters(app.ctx.db, { keptId: kept.id, duplicateId: dup.id, staffId });
    const again = await app.ctx.db.transaction((tx) =>
      registerSupporter(tx, person(dupEmail), [{ purpose: 'privacy_policy', granted: true, text: '個人情報の取り扱いに同意します' }], { source: 'join_form' }),
    );
    expect(again.id).toBe(kept.id);
    const given = await app.ctx.db.select().from(consents).where(eq(consents.supporterId, kept.id));
    expect(given.map((c) => c.purpose)).toEqual(['privacy_policy']);
  });
});
