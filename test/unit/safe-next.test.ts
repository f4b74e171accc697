import { samePathLink, safeNext } from '../../src/web/safe-next';

describe('safeNext (return paths after sign-in)', () => {
  test.each([
    '/admin/..//evil.example',
    '/admin/../..//evil.example/x',
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '/admin/\\\\evil.example',
    '/%2f%2fevil.example',
    '/admin/%2e%2e//evil.example',
    '/admin/%2E%2E/%2E%2E//evil.example',
    '/admin%2f..%2f..%2f%2fevil.example',
    '/admin/%5c%5cevil.example',
    '/admin/\t/evil.example',
    '/\t/evil.example',
    '/admin\n/x',
    '/admin/%00',
    '/admin/%0d%0aSet-Cookie:x=1',
    '/admin/%ff%fe',
    'https://evil.example/admin',
    'javascript:alert(1)',
    'admin',
    '',
    '/family',
    '/admin/../family',
    '/administrators',
    '/admin\u3000',
    `/admin/${'x'.repeat(3000)}`,
  ])('when next is %j, then the console home is used instead', (value) => {
    expect(safeNext(value, '/admin', '/admin')).toBe('/admin');
  });

  test.each([[['/admin/x']], [{ a: 1 }], [42], [null], [undefined]])('when next is not a string (%j), then the fallback is used', (value) => {
    expect(safeNext(value, '/admin', '/admin')).toBe('/admin');
  });

  test.each([
    ['/admin', '/admin'],
    ['/admin/supporters?q=%E5%B1%B1%E7%94%B0&page=2', '/admin/supporters?q=%E5%B1%B1%E7%94%B0&page=2'],
    ['/admin/newsletters/42#deliveries', '/admin/newsletters/42#deliveries'],
    ['/admin/supporters/./x/../y', '/admin/supporters/y'],
  ])('when next is the console path %j, then it is kept (normalised: %j)', (value, expected) => {
    expect(safeNext(value, '/admin', '/admin')).toBe(expected);
  });

  test('when no area is named, then any same-origin path is accepted and others are not', () => {
    expect(safeNext('/me?done=1', '/')).toBe('/me?done=1');
    expect(safeNext('//evil.example', '/')).toBe('/');
  });
});

describe('samePathLink (language switch)', () => {
  test.each([
    ['//evil.example/x', '/evil.example/x?lang=en'],
    ['///evil.example', '/evil.example?lang=en'],
    ['/\\evil.example', '/evil.example?lang=en'],
    ['/family', '/family?lang=en'],
    ['/', '/?lang=en'],
  ])('when the request path is %j, then the link is %j', (path, expected) => {
    const link = samePathLink(path, 'lang=en');
    expect(link).toBe(expected);
    expect(link.startsWith('//')).toBe(false);
  });
});
