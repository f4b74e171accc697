import { startTestApp, type TestApp } from '../helpers/app';
import { Visitor } from '../helpers/http';
import { adminToken, signInAs } from '../helpers/staff';

// Found by the surface fuzz test: PostgreSQL text cannot hold U+0000, so a NUL that reached a query
// failed it (500). Each form now refuses it as bad input and shows the form again.
describe('NUL characters in form fields', () => {
  let app: TestApp;
  let admin: Visitor;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    ({ visitor: admin } = await signInAs(app, 'admin'));
    token = await adminToken(admin);
  });
  afterAll(() => app.stop());

  const post = (visitor: Visitor, path: string, body: string) =>
    fetch(app.url + path, {
      method: 'POST',
      headers: { cookie: visitor.cookieHeader(path), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body,
      redirect: 'manual',
    });

  test('when the staff sign-in form is sent with email=%00, then the sign-in form answers it as a failed sign-in, not 500', async () => {
    const visitor = Visitor.of(app);
    const csrf = await visitor.csrf('/admin/login');
    const res = await post(visitor, '/admin/login', `_csrf=${encodeURIComponent(csrf)}&next=a%00b&email=%00&password=275761`);
    expect([401, 422]).toContain(res.status);
    expect(await res.text()).toContain('name="password"');
  });

  test('when an admin searches supporters in the gift form with q=%00, then the form comes back (no hits), not 500', async () => {
    const res = await post(admin, '/admin/gifts', `_csrf=${encodeURIComponent(token)}&q=%00&new_family_name=x`);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('name="q"');
  });

  test('when the gift form search holds NUL inside a name, then it searches for the rest of the text', async () => {
    const res = await admin.get(`/admin/gifts/new?q=${encodeURIComponent('山\u0000田')}`);
    expect(res.res.status).toBe(200);
  });
});
