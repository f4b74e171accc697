import { redactUrl } from '../../src/lib/logger';

describe('redactUrl', () => {
  test('when a URL carries a token in its path or query, then the token is not logged', () => {
    expect(redactUrl('/unsubscribe/abc.def-123')).toBe('/unsubscribe/[redacted]');
    expect(redactUrl('/me/login/xyz?next=/me')).toBe('/me/login/[redacted]?next=/me');
    expect(redactUrl('/me?token=secret&x=1')).toBe('/me?token=[redacted]&x=1');
    expect(redactUrl('/admin/supporters?email=a%40b.jp')).toBe('/admin/supporters?email=[redacted]');
  });

  test('when a URL has nothing secret, then it is unchanged', () => {
    expect(redactUrl('/family?lang=en')).toBe('/family?lang=en');
  });
});
