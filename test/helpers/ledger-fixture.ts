import { donations, supporters } from '../../src/db/schema';
import type { TestApp } from './app';

// A fixed ledger (ids, days, names) so each format's file can be compared with its golden copy.
export const LEDGER_SUPPORTERS = {
  yamada: '11111111-1111-4111-8111-111111111111',
  nguyen: '22222222-2222-4222-8222-222222222222',
  company: '33333333-3333-4333-8333-333333333333',
  formula: '44444444-4444-4444-8444-444444444444',
};
const S = LEDGER_SUPPORTERS;
const D = (n: number) => `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, '0')}`;
const jst = (local: string) => new Date(`${local}+09:00`);

/** Nine ledger rows around April 2026: Stripe and offline gifts, a refund, a dispute, a reversal. */
export async function seedLedger(app: TestApp) {
  const db = app.ctx.db;
  const person = (id: string, email: string, familyName: string, givenName: string, extra: Partial<typeof supporters.$inferInsert> = {}) => ({
    id,
    email,
    emailNormalized: email,
    familyName,
    givenName,
    ...extra,
  });
  await db.insert(supporters).values([
    person(S.yamada, 'yamada@example.jp', '山田', '太郎', {
      familyNameKana: 'ヤマダ',
      givenNameKana: 'タロウ',
      status: 'monthly',
      postalMail: true,
      postalCode: '1500001',
      prefecture: '東京都',
      address: '渋谷区神宮前1-2-3 WELビル4F',
    }),
    person(S.nguyen, 'nguyen@example.jp', 'Nguyễn', 'Văn An', {
      status: 'one_time',
      postalMail: true,
      postalCode: '5300001',
      prefecture: '大阪府',
      address: '大阪市北区梅田1-1',
    }),
    person(S.company, 'info@yoshida.example.jp', '吉田', '一郎', {
      kind: 'organisation',
      organisationName: '株式会社𠮷田商店',
      status: 'one_time',
      postalMail: true,
      postalCode: '0600001',
      prefecture: '北海道',
      address: '札幌市中央区北1条西1',
    }),
    person(S.formula, 'formula@example.jp', '=HYPERLINK("http://evil.example","x")', '-2+3', { familyNameKana: '@イコール', status: 'one_time', postalMail: false }),
  ]);
  const stripeGift = { entry: 'gift' as const, method: 'card', channel: 'stripe' as const };
  const offline = { entry: 'gift' as const, channel: 'offline' as const, frequency: 'one_time' as const };
  const row = (n: number, supporterId: string, receivedAt: Date, values: Partial<typeof donations.$inferInsert>) => ({
    id: D(n),
    supporterId,
    receivedAt,
    receivedOn: receivedAt.toLocaleDateString('sv-SE', { timeZone: 'Asia/Tokyo' }),
    amount: 0,
    method: 'card',
    frequency: 'one_time' as const,
    entry: 'gift' as const,
    ...values,
  });
  await db.insert(donations).values([
    // 00:30 on 1 April in Japan is still 31 March in UTC: it belongs to April.
    row(1, S.yamada, jst('2026-04-01T00:30:00'), {
      ...stripeGift,
      frequency: 'monthly',
      planAmount: 1000,
      amount: 1000,
      fee: 36,
      net: 964,
      stripeChargeId: 'ch_A1',
      stripeInvoiceId: 'in_A1',
      stripePaymentIntentId: 'pi_A1',
      receiptNumber: '2026-000001',
    }),
    row(2, S.yamada, jst('2026-03-31T23:59:00'), {
      ...stripeGift,
      frequency: 'monthly',
      planAmount: 1000,
      amount: 1000,
      fee: 36,
      net: 964,
      stripeChargeId: 'ch_A2',
      stripeInvoiceId: 'in_A2',
      stripePaymentIntentId: 'pi_A2',
      receiptNumber: '2026-000002',
    }),
    row(3, S.nguyen, jst('2026-04-10T12:00:00'), {
      ...stripeGift,
      amount: 5000,
      fee: 180,
      net: 4820,
      stripeChargeId: 'ch_A3',
      stripePaymentIntentId: 'pi_A3',
      receiptNumber: '2026-000003',
    }),
    row(4, S.nguyen, jst('2026-04-12T09:00:00'), {
      entry: 'refund',
      channel: 'stripe',
      amount: -2000,
      stripeChargeId: 'ch_A3',
      stripeRefundId: 're_A3',
      stripePaymentIntentId: 'pi_A3',
      relatedDonationId: D(3),
    }),
    row(5, S.company, jst('2026-04-15T00:00:00'), {
      ...offline,
      method: 'bank_transfer',
      amount: 30000,
      receiptNumber: '2026-000004',
      payerName: 'ヨシダシヨウテン',
      note: 'お振込み, "4月分"\n二行目のメモ',
    }),
    row(6, S.formula, jst('2026-04-20T00:00:00'), { ...offline, method: 'cash', amount: 3000, receiptNumber: '2026-000005', note: '=SUM(A1:A9)' }),
    row(7, S.formula, jst('2026-04-21T00:00:00'), { entry: 'reversal', channel: 'offline', method: 'cash', amount: -3000, relatedDonationId: D(6), note: '二重登録' }),
    row(8, S.yamada, jst('2026-04-25T18:00:00'), {
      ...stripeGift,
      amount: 10000,
      fee: 360,
      net: 9640,
      stripeChargeId: 'ch_A8',
      stripePaymentIntentId: 'pi_A8',
      receiptNumber: '2026-000006',
    }),
    row(9, S.yamada, jst('2026-04-28T10:00:00'), {
      entry: 'dispute',
      channel: 'stripe',
      amount: -10000,
      stripeChargeId: 'ch_A8',
      stripeDisputeId: 'dp_A8',
      stripePaymentIntentId: 'pi_A8',
      relatedDonationId: D(8),
      note: 'fraudulent',
    }),
  ]);
}
