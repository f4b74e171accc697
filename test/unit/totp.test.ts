import { generateTotpSecret, totpCode, verifyTotp } from '../../src/lib/totp';

describe('TOTP', () => {
  test('when the RFC 6238 test secret is used, then the published SHA-1 codes come out', () => {
    // RFC 6238 appendix B: secret "12345678901234567890" (base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ), 8 digits there; 6 here.
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(totpCode(secret, Math.floor(59 / 30))).toBe('287082');
    expect(totpCode(secret, Math.floor(1111111109 / 30))).toBe('081804');
    expect(totpCode(secret, Math.floor(1234567890 / 30))).toBe('005924');
  });

  test('when a code is from the previous step, then it is accepted; two steps back, then refused', () => {
    const secret = generateTotpSecret();
    const now = Date.now();
    const step = Math.floor(now / 30_000);
    expect(verifyTotp(secret, totpCode(secret, step - 1), now)).toBe(true);
    expect(verifyTotp(secret, totpCode(secret, step - 3), now)).toBe(false);
    expect(verifyTotp(secret, 'abcdef', now)).toBe(false);
    expect(verifyTotp(secret, '1234567', now)).toBe(false);
  });
});
