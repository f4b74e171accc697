import { cardLinkUrl, verifyCardLink } from '../../src/features/billing/card-link';

const secret = 's'.repeat(40);
const id = '7d0c6f4e-2a8b-4c1d-9e3f-0123456789ab';

describe('card links', () => {
  test('when a link is fresh and untouched, then it names its supporter', () => {
    const token = cardLinkUrl('https://x', secret, id).split('/').pop()!;
    expect(verifyCardLink(secret, token)).toBe(id);
  });

  test('when a link is expired, tampered with, or signed with another secret, then it names nobody', () => {
    const token = cardLinkUrl('https://x', secret, id, Date.now() - 15 * 24 * 3600 * 1000)
      .split('/')
      .pop()!;
    expect(verifyCardLink(secret, token)).toBeUndefined();
    const fresh = cardLinkUrl('https://x', secret, id).split('/').pop()!;
    expect(verifyCardLink(secret, fresh.replace(id, '00000000-0000-0000-0000-000000000000'))).toBeUndefined();
    expect(verifyCardLink('t'.repeat(40), fresh)).toBeUndefined();
    expect(verifyCardLink(secret, "' OR 1=1 --")).toBeUndefined();
  });
});
