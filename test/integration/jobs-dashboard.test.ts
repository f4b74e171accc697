import { startTestApp, type TestApp } from '../helpers/app';
import { Visitor } from '../helpers/http';
import { adminToken, signInAs } from '../helpers/staff';

describe('queue dashboard (/admin/jobs) edges', () => {
  let app: TestApp;
  let admin: Visitor;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({ worker: false });
    ({ visitor: admin } = await signInAs(app, 'admin'));
    token = await adminToken(admin);
  });
  afterAll(() => app.stop());

  async function send(visitor: Visitor, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
    const res = await fetch(app.url + path, { method, headers: { cookie: visitor.cookieHeader(path), accept: 'text/html', ...headers }, body, redirect: 'manual' });
    return { res, text: await res.text() };
  }

  test.each(['/admin/jobs/board/zzz', '/admin/jobs/board/zzz/yyy', '/admin/jobs/board/static/nothing.js', '/admin/jobs/board/api/nothing'])(
    'when an admin opens the unknown path %s, then the app answers its own 404 page',
    async (path) => {
      const { res, text } = await send(admin, 'GET', path);
      expect(res.status).toBe(404);
      expect(text).toContain('class="site-header');
    },
  );

  test('when an admin POSTs a bull-board action with a valid CSRF token, then the answer is a 4xx, never 500, and the queue stays running', async () => {
    const { res } = await send(
      admin,
      'POST',
      '/admin/jobs/board/api/queues/email/pause',
      { 'content-type': 'application/x-www-form-urlencoded' },
      `_csrf=${encodeURIComponent(token)}`,
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await app.ctx.queues.get('email').isPaused()).toBe(false);
  });

  test('when an admin PUTs pause (the board is read-only), then the answer is a 4xx and the queue stays running', async () => {
    const put = await send(admin, 'PUT', '/admin/jobs/board/api/queues/email/pause', { 'x-csrf-token': token });
    expect(put.res.status).toBeGreaterThanOrEqual(400);
    expect(put.res.status).toBeLessThan(500);
    expect(await app.ctx.queues.get('email').isPaused()).toBe(false);
  });

  test('when a write to the board carries no CSRF token, then it is refused with 403', async () => {
    const { res } = await send(admin, 'PUT', '/admin/jobs/board/api/queues/email/pause');
    expect(res.status).toBe(403);
    expect(await app.ctx.queues.get('email').isPaused()).toBe(false);
  });

  test('when staff or finance (no jobs:view) call the board API with a valid token, then they get 403', async () => {
    for (const role of ['staff', 'finance'] as const) {
      const { visitor } = await signInAs(app, role);
      const own = await adminToken(visitor);
      expect((await send(visitor, 'PUT', '/admin/jobs/board/api/queues/email/pause', { 'x-csrf-token': own })).res.status).toBe(403);
      expect((await send(visitor, 'GET', '/admin/jobs/board/zzz')).res.status).toBe(403);
    }
    expect(await app.ctx.queues.get('email').isPaused()).toBe(false);
  });

  test('when nobody is signed in, then an unknown dashboard path sends to the sign-in page', async () => {
    const { res } = await send(Visitor.of(app), 'GET', '/admin/jobs/board/zzz');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/admin\/login\?next=/);
  });
});
