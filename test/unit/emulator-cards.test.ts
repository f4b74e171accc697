import { cardBrand, checkCard, chargeOutcome, isLuhnValid, TEST_CARDS } from '../../src/dev/stripe-emulator/cards';

const NOW = new Date('2026-12-02T00:00:00Z');

describe("the emulator's test cards", () => {
  test.each([
    ['4242 4242 4242 4242', 'visa'],
    ['4000 0566 5566 5556', 'visa'],
    ['5555 5555 5555 4444', 'mastercard'],
    ['2223 0031 2200 3222', 'mastercard'],
    ['5200 8282 8282 8210', 'mastercard'],
    ['5105 1051 0510 5100', 'mastercard'],
    ['3782 822463 10005', 'amex'],
    ['3714 496353 98431', 'amex'],
    ['6011 1111 1111 1117', 'discover'],
    ['3056 9300 0902 0004', 'diners'],
    ['3566 0020 2036 0505', 'jcb'],
    ['6200 0000 0000 0005', 'unionpay'],
  ])('when %s is typed on a card form, then it is accepted as %s and pays', (typed, brand) => {
    const check = checkCard({ number: typed, expiry: '12 / 34', cvc: brand === 'amex' ? '1234' : '123' }, NOW);
    expect(check).toMatchObject({ ok: true, behaviour: 'succeeds', card: { brand, last4: typed.replace(/\s/g, '').slice(-4) } });
    if (check.ok) expect(chargeOutcome(check.card)).toEqual({ ok: true });
  });

  test.each([
    ['4000000000000002', 'generic_decline'],
    ['4000000000009995', 'insufficient_funds'],
    ['4000000000009987', 'lost_card'],
    ['4000000000009979', 'stolen_card'],
    ['4000000000000069', 'expired_card'],
    ['4000000000000127', 'incorrect_cvc'],
    ['4000000000000119', 'processing_error'],
  ])('when the decline card %s is used, then it is a valid number that declines with %s', (number, declineCode) => {
    const check = checkCard({ number }, NOW);
    expect(check).toMatchObject({ ok: true, behaviour: 'declines' });
    if (check.ok) expect(chargeOutcome(check.card)).toMatchObject({ ok: false, declineCode });
  });

  test('when a number fails the Luhn check or is not a test card, then it is refused as invalid', () => {
    expect(checkCard({ number: '4242 4242 4242 4241' }, NOW)).toEqual({ ok: false, problem: 'invalid_number' });
    expect(checkCard({ number: '5555 5555 5555 4445' }, NOW)).toEqual({ ok: false, problem: 'invalid_number' });
    expect(checkCard({ number: '4111 1111 1111 1111' }, NOW)).toEqual({ ok: false, problem: 'invalid_number' });
    expect(checkCard({ number: 'abcd' }, NOW)).toEqual({ ok: false, problem: 'invalid_number' });
  });

  test('when every listed test card is checked, then each passes Luhn and has a known brand', () => {
    for (const number of Object.keys(TEST_CARDS)) {
      expect([number, isLuhnValid(number)]).toEqual([number, true]);
      expect([number, cardBrand(number)]).not.toEqual([number, 'unknown']);
    }
  });
});
