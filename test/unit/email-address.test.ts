import { emailField, emailKey, isDeliverableEmail, normalizeEmailAddress } from '../../src/lib/email-address';

describe('email addresses', () => {
  test('when an address is typed in full width with spaces, then its normal form is half-width, trimmed, with a lower-case domain', () => {
    expect(normalizeEmailAddress('ｆｗ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toBe('fw@example.com');
    expect(normalizeEmailAddress('\u3000 Ｔａｒｏ.Yamada@Example.JP ')).toBe('Taro.Yamada@example.jp');
    expect(normalizeEmailAddress('hanako@例え.jp')).toBe('hanako@xn--r8jz45g.jp');
    expect(emailKey('  Ｔａｒｏ@Example.JP ')).toBe('taro@example.jp');
  });

  test.each([
    'fw@example',
    'fw@@example.com',
    'fw example@example.com',
    'fw@exa mple.com',
    'fw@example.com\u200B',
    '山田@example.jp',
    'fw@example.c',
    `${'a'.repeat(250)}@example.jp`,
    '',
  ])('when the address is %j, then it is not deliverable', (raw) => expect(isDeliverableEmail(normalizeEmailAddress(raw))).toBe(false));

  test("when a form field holds an address, then it gives the normal form or the feature's message", () => {
    const field = emailField({ required: 'x.required', invalid: 'x.email' });
    expect(field.parse('ｆｗ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toBe('fw@example.com');
    expect(field.safeParse('  ').error?.issues[0]?.message).toBe('x.required');
    expect(field.safeParse('fw＠example').error?.issues[0]?.message).toBe('x.email');
  });
});
