import { startTestApp, type TestApp } from '../helpers/app';
import { Visitor } from '../helpers/http';
import { adminToken, signInAs } from '../helpers/staff';

// Found by the surface fuzz test: PostgreSQL text cannot hold U+0000, so a NUL in a field used to
// reach a query and fail it (500). Every request carrying one is now refused with 400 first.
describe('NUL characters in requests', () => {
  let app: TestApp;
  let admin: Visitor;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    ({ visitor: admin } = await signInAs(app, 'admin'));
    token = await adminToken(admin);
  });
  afterAll(() => app.stop());

  const post = (visitor: Visitor, path: string, body: string, type = 'application/x-www-form-urlencoded') =>
    fetch(app.url + path, { method: 'POST', headers: { cookie: visitor.cookieHeader(path), 'content-type': type, accept: 'text/html' }, body, redirect: 'manual' });

  test('when the staff sign-in form is sent with email=%00, then the answer is 400, not 500', async () => {
    const visitor = Visitor.of(app);
    const csrf = await visitor.csrf('/admin/login');
    const res = await post(visitor, '/admin/login', `_csrf=${encodeURIComponent(csrf)}&next=a%00b&email=%00&password=275761`);
    expect(res.status).toBe(400);
  });

  test('when an admin searches supporters in the gift form with q=%00, then the answer is 400, not 500', async () => {
    const res = await post(admin, '/admin/gifts', `_csrf=${encodeURIComponent(token)}&q=%00&new_family_name=x`);
    expect(res.status).toBe(400);
  });

  test.each([
    ['a query value', 'GET', '/admin/supporters?q=a%00b', undefined],
    ['a field name', 'POST', '/admin/gifts', 'q%00=x'],
    ['a JSON value', 'POST', '/admin/gifts', '{"q":["a\\u0000b"]}'],
    ['the path', 'GET', '/admin/supporters/a%00b', undefined],
  ])('when %s holds NUL, then the request is refused with 400', async (_what, method, path, body) => {
    const isJson = body?.startsWith('{');
    const headers: Record<string, string> = { cookie: admin.cookieHeader(path), accept: 'text/html', 'x-csrf-token': token };
    if (body) headers['content-type'] = isJson ? 'application/json' : 'application/x-www-form-urlencoded';
    const res = await fetch(app.url + path, { method, headers, body, redirect: 'manual' });
    expect(res.status).toBe(400);
  });

  test('when a field holds ordinary text, then the request goes through as before', async () => {
    const res = await post(admin, '/admin/gifts', `_csrf=${encodeURIComponent(token)}&q=${encodeURIComponent('山田')}`);
    expect(res.status).toBeLessThan(500);
    expect(res.status).not.toBe(400);
  });
});
