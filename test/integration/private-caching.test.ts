import { startTestApp, type TestApp } from '../helpers/app';
import { joinAndPay } from '../helpers/giving';
import { Visitor } from '../helpers/http';
import { signInSupporter } from '../helpers/me';
import { appRoutes } from '../helpers/routes';
import { signInAs } from '../helpers/staff';
import { PERMISSIONS_POLICY } from '../../src/web/security-headers';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('signed-in pages are never cached; every answer carries the Permissions-Policy', () => {
  let app: TestApp;
  let admin: Visitor;
  let supporter: Visitor;
  let values: Record<string, string>;

  beforeAll(async () => {
    app = await startTestApp();
    const joined = await joinAndPay(app, { plan: '1000' });
    supporter = await signInSupporter(app, joined.fields.email!);
    ({ visitor: admin } = await signInAs(app, 'admin'));
    values = { id: joined.gifts[0]!.id, year: '2026', token: 'x', file: 'x.pdf', lineId: UNKNOWN_ID };
  });
  afterAll(() => app.stop());

  // `:id` is the supporter's gift (a real receipt under /me, an unknown id elsewhere: the 404 is private too).
  const concrete = (path: string) => path.replace(/:([a-zA-Z]+)/g, (_m, name: string) => values[name] ?? UNKNOWN_ID);

  test('when a signed-in admin GETs every console route, and the dashboard and its files, then each answer says Cache-Control: no-store', async () => {
    const paths = appRoutes(app.ctx)
      .filter((r) => r.method === 'get' && r.path.startsWith('/admin'))
      .map((r) => concrete(r.path));
    paths.push('/admin/exports/donations.csv?from=2026-01-01&to=2026-12-31', '/admin/exports/labels.csv', '/admin/jobs', '/admin/jobs/board/api/queues', '/admin/jobs/board/zzz');
    const shell = await admin.get('/admin/jobs/board');
    paths.push(`/admin/jobs/board/${/src="(static\/js\/main[^"]+)"/.exec(shell.html)![1]!}`);
    expect(paths.length).toBeGreaterThan(40);
    const seen: string[] = [];
    for (const path of paths) {
      const { res } = await admin.get(path);
      expect({ path, cacheControl: res.headers.get('cache-control') }).toEqual({ path, cacheControl: 'no-store' });
      seen.push(`${res.status} ${path}`);
    }
    // The walk reaches real pages and downloads, not only sign-in redirects.
    expect(seen).toEqual(expect.arrayContaining(['200 /admin', '200 /admin/supporters', '200 /admin/exports/donations.csv?from=2026-01-01&to=2026-12-31', '200 /admin/jobs']));
  });

  test('when a signed-in supporter GETs every My page route, then each answer says Cache-Control: no-store', async () => {
    const paths = appRoutes(app.ctx)
      .filter((r) => r.method === 'get' && (r.path === '/me' || r.path.startsWith('/me/')))
      .map((r) => concrete(r.path));
    expect(paths.length).toBeGreaterThan(5);
    const seen: string[] = [];
    for (const path of paths) {
      const { res } = await supporter.get(path);
      expect({ path, cacheControl: res.headers.get('cache-control') }).toEqual({ path, cacheControl: 'no-store' });
      seen.push(`${res.status} ${path}`);
    }
    expect(seen).toEqual(expect.arrayContaining(['200 /me', `200 /me/gifts/${values.id}/receipt.pdf`, '200 /me/data.csv']));
  });

  test('when anyone asks for a public page, an asset, a 404 or a webhook without signature, then the answer carries the Permissions-Policy denying camera, microphone, geolocation and payment', async () => {
    const anonymous = Visitor.of(app);
    for (const path of ['/', '/family', '/give', '/healthz', '/assets/favicon.svg', '/nothing-here', '/admin/login', '/me']) {
      const { res } = await anonymous.get(path);
      expect({ path, policy: res.headers.get('permissions-policy') }).toEqual({ path, policy: PERMISSIONS_POLICY });
    }
    const hook = await fetch(`${app.url}/webhooks/stripe`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(hook.status).toBe(400);
    expect(hook.headers.get('permissions-policy')).toBe(PERMISSIONS_POLICY);
    for (const feature of ['camera', 'microphone', 'geolocation', 'payment']) expect(PERMISSIONS_POLICY).toContain(`${feature}=()`);
  });

  test('when an anonymous visitor opens a public page, then it is not marked no-store (only signed-in areas are)', async () => {
    const { res } = await Visitor.of(app).get('/family');
    expect(res.headers.get('cache-control') ?? '').not.toContain('no-store');
  });
});
