import { adminRouteList } from '../../src/features/admin/admin.routes';
import { roleCan, roles, type Role } from '../../src/features/staff';
import type { AdminRoute } from '../../src/web/route-table';
import { startTestApp, type TestApp } from '../helpers/app';
import { Visitor } from '../helpers/http';
import { adminToken, signInAs } from '../helpers/staff';

// Generated from the route list: a new console route without a permission (or with the wrong one)
// changes this matrix and fails here.
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const concrete = (path: string) => path.replace(/:[a-zA-Z]+/g, UNKNOWN_ID);

describe('staff console authorisation matrix', () => {
  let app: TestApp;
  let routes: AdminRoute[];
  const visitors: Partial<Record<Role, Visitor>> = {};
  const tokens: Partial<Record<Role, string>> = {};

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    routes = adminRouteList(app.ctx).filter((r) => r.access !== 'public');
    for (const role of roles) {
      visitors[role] = (await signInAs(app, role)).visitor;
      tokens[role] = await adminToken(visitors[role]!);
    }
  });
  afterAll(() => app.stop());

  test('when the route list is read, then every console route is under /admin and names its access', () => {
    expect(routes.length).toBeGreaterThan(3);
    for (const r of adminRouteList(app.ctx)) {
      expect(r.path.startsWith('/admin')).toBe(true);
      expect(r.access).toBeTruthy();
    }
  });

  async function call(r: AdminRoute, visitor: Visitor, token?: string) {
    const path = concrete(r.path);
    if (r.method === 'post') return (await visitor.post(path, { _csrf: token })).res;
    return (await visitor.get(path)).res;
  }

  test('when nobody is signed in, then every console route sends to the sign-in page (GET) or refuses (POST)', async () => {
    const anonymous = Visitor.of(app);
    const token = await anonymous.csrf('/admin/login');
    for (const r of routes) {
      const res = await call(r, anonymous, token);
      const expected = r.method === 'post' ? 403 : 302;
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, status: expected });
      if (expected === 302) expect(res.headers.get('location')).toMatch(/^\/admin\/login/);
    }
  });

  test.each(roles)('when %s is signed in, then exactly the routes of their permissions open', async (role) => {
    for (const r of routes) {
      if (r.path === '/admin/logout' || r.path === '/admin/account/signout-all') continue;
      const res = await call(r, visitors[role]!, tokens[role]);
      const allowed = r.access === 'signed-in' || roleCan(role, r.access as never);
      const label = `${role} ${r.method} ${r.path}`;
      if (allowed) {
        expect({ label, forbidden: res.status === 403, toLogin: (res.headers.get('location') ?? '').startsWith('/admin/login') }).toEqual({
          label,
          forbidden: false,
          toLogin: false,
        });
        expect({ label, serverError: res.status >= 500 }).toEqual({ label, serverError: false });
      } else {
        expect({ label, status: res.status }).toEqual({ label, status: 403 });
      }
    }
  });
});
