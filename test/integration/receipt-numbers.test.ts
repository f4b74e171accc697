import { donations } from '../../src/db/schema';
import { setClock } from '../../src/lib/clock';
import { startTestApp, type TestApp } from '../helpers/app';
import { joinAndPay } from '../helpers/giving';

const jst = (local: string) => new Date(`${local}+09:00`);

// Receipt numbers are YYYY-NNNNNN, counted per calendar year in Japan (Japanese receipts are per year).
describe('receipt numbers at the turn of the year in Japan', () => {
  let app: TestApp;

  beforeAll(async () => {
    setClock(jst('2026-12-31T23:58:00'));
    app = await startTestApp();
  });
  afterAll(async () => {
    setClock();
    await app.stop();
  });

  test('when gifts are paid in the last minute of 31 December and the first of 1 January, then each year counts from 000001 without gaps', async () => {
    setClock(jst('2026-12-31T23:59:00'));
    const a = await joinAndPay(app, { plan: '1000' });
    const b = await joinAndPay(app, { plan: '5000' });
    setClock(jst('2027-01-01T00:00:00'));
    const c = await joinAndPay(app, { plan: '10000' });
    const d = await joinAndPay(app, { plan: '1000' });
    expect([a, b, c, d].map((x) => x.gifts[0]!.receiptNumber)).toEqual(['2026-000001', '2026-000002', '2027-000001', '2027-000002']);
    expect([a, b, c, d].map((x) => x.gifts[0]!.receivedOn)).toEqual(['2026-12-31', '2026-12-31', '2027-01-01', '2027-01-01']);
    const numbers = (await app.ctx.db.select({ n: donations.receiptNumber }).from(donations)).map((r) => r.n);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  test('when it is 29 February 2028, then the gift is dated that day in Japan', async () => {
    setClock(jst('2028-02-29T23:30:00'));
    const leap = await joinAndPay(app, { plan: '1000' });
    expect(leap.gifts[0]).toMatchObject({ receivedOn: '2028-02-29', receiptNumber: '2028-000001' });
  });
});
