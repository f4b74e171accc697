import { eq } from 'drizzle-orm';
import { auditLog, sessions, staff } from '../../src/db/schema';
import { createStaff } from '../../src/features/staff';
import { generateTotpSecret, totpCode } from '../../src/lib/totp';
import { startTestApp, type TestApp } from '../helpers/app';
import { Visitor } from '../helpers/http';
import { postWithSessionHeldBack } from '../helpers/sessions';
import { signInAs, STAFF_PASSWORD } from '../helpers/staff';

async function tryLogin(app: TestApp, email: string, password: string, visitor = Visitor.of(app)) {
  const token = await visitor.csrf('/admin/login');
  return { visitor, ...(await visitor.post('/admin/login', { email, password, _csrf: token })) };
}

describe('staff sign-in', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
  });
  afterAll(() => app.stop());

  test('when the password is right, then the console opens and the sign-in is in the audit log', async () => {
    const { visitor, id } = await signInAs(app, 'staff');
    const { res, html } = await visitor.get('/admin');
    expect(res.status).toBe(200);
    expect(html).toContain('ダッシュボード');
    const entries = await app.ctx.db.select().from(auditLog).where(eq(auditLog.staffId, id));
    expect(entries.map((e) => e.action)).toContain('login.success');
  });

  test('when the sign-in answers, then its session is already stored, so a browser that follows the redirect at once is signed in', async () => {
    const member = await createStaff(app.ctx.db, { email: 'quick@welgee.example', name: 'Q', role: 'staff', password: STAFF_PASSWORD });
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/admin/login');
    const { res, stored } = await postWithSessionHeldBack(app, visitor, '/admin/login', { email: 'quick@welgee.example', password: STAFF_PASSWORD, _csrf: token }, 'wf_sid');
    expect(res.status).toBe(303);
    expect(stored).toHaveLength(1);
    expect((stored[0]!.data as { staffId?: string }).staffId).toBe(member.id);
  });

  test('when the email is unknown or the password wrong, then the answer is the same', async () => {
    await createStaff(app.ctx.db, { email: 'known@welgee.example', name: 'K', role: 'staff', password: STAFF_PASSWORD });
    const unknown = await tryLogin(app, 'nobody@welgee.example', 'whatever-password');
    const wrong = await tryLogin(app, 'known@welgee.example', 'wrong-password!!');
    expect(unknown.res.status).toBe(401);
    expect(wrong.res.status).toBe(401);
    const message = (html: string) => /<ul class="error-summary__list">\s*<li>([^<]+)<\/li>/.exec(html)![1];
    expect(message(unknown.html)).toBe(message(wrong.html));
  });

  test('when the password is wrong five times, then even the right password is refused for a while', async () => {
    await createStaff(app.ctx.db, { email: 'locked@welgee.example', name: 'L', role: 'staff', password: STAFF_PASSWORD });
    for (let i = 0; i < 5; i++) expect((await tryLogin(app, 'locked@welgee.example', `wrong-${i}-password`)).res.status).toBe(401);
    expect((await tryLogin(app, 'locked@welgee.example', STAFF_PASSWORD)).res.status).toBe(401);
    const [row] = await app.ctx.db.select().from(staff).where(eq(staff.emailNormalized, 'locked@welgee.example'));
    expect(row!.lockedUntil!.getTime()).toBeGreaterThan(Date.now() + 10 * 60 * 1000);
  });

  test('when a session id is planted before sign-in, then sign-in issues a new one (no fixation)', async () => {
    await createStaff(app.ctx.db, { email: 'fix@welgee.example', name: 'F', role: 'staff', password: STAFF_PASSWORD });
    const visitor = Visitor.of(app);
    await visitor.get('/admin/login');
    const token = await visitor.csrf('/admin/login');
    const before = visitor.cookieHeader('/admin');
    await visitor.post('/admin/login', { email: 'fix@welgee.example', password: STAFF_PASSWORD, _csrf: token });
    const sid = (h: string) => /wf_sid=([^;]+)/.exec(h)?.[1];
    expect(sid(visitor.cookieHeader('/admin'))).toBeTruthy();
    expect(sid(visitor.cookieHeader('/admin'))).not.toBe(sid(before));
  });

  test('when staff sign in, then their cookie covers the whole console for the working day, whatever My page uses', async () => {
    await createStaff(app.ctx.db, { email: 'scope@welgee.example', name: 'S', role: 'staff', password: STAFF_PASSWORD });
    await Visitor.of(app).get('/me'); // My page's own session middleware has run in this process
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/admin/login');
    const { res } = await visitor.post('/admin/login', { email: 'scope@welgee.example', password: STAFF_PASSWORD, _csrf: token });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('wf_sid='))!;
    expect(cookie).toMatch(/Path=\/;/);
    const expires = Date.parse(/Expires=([^;]+)/.exec(cookie)![1]!);
    expect(expires - Date.now()).toBeGreaterThan(7 * 3600 * 1000);
    expect((await visitor.get('/admin/supporters')).res.status).toBe(200);
  });

  test('when the sign-in form has no CSRF token, then 403', async () => {
    const visitor = Visitor.of(app);
    await visitor.get('/admin/login');
    const { res } = await visitor.post('/admin/login', { email: 'x@welgee.example', password: STAFF_PASSWORD });
    expect(res.status).toBe(403);
  });

  test('when email or password are arrays or huge, then a clear refusal and no 5xx', async () => {
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/admin/login');
    expect((await visitor.post('/admin/login', { email: ['a@b.jp', 'c@d.jp'], password: 'x', _csrf: token })).res.status).toBe(422);
    expect((await visitor.post('/admin/login', { email: 'a@b.jp', password: 'p'.repeat(5000), _csrf: token })).res.status).toBe(422);
  });

  test('when "next" points off-site, then sign-in goes to the console instead', async () => {
    await createStaff(app.ctx.db, { email: 'next@welgee.example', name: 'N', role: 'staff', password: STAFF_PASSWORD });
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/admin/login');
    const { location } = await visitor.post('/admin/login', { email: 'next@welgee.example', password: STAFF_PASSWORD, next: '//evil.example/admin', _csrf: token });
    expect(location).toBe('/admin');
  });

  test('when two-factor is on, then the password alone is not enough and the right code signs in', async () => {
    const secret = generateTotpSecret();
    const member = await createStaff(app.ctx.db, { email: 'totp@welgee.example', name: 'T', role: 'admin', password: STAFF_PASSWORD });
    await app.ctx.db.update(staff).set({ totpSecret: secret, totpEnabled: true }).where(eq(staff.id, member.id));
    const { visitor, res, html } = await tryLogin(app, 'totp@welgee.example', STAFF_PASSWORD);
    expect(res.status).toBe(200);
    expect(html).toContain('name="code"');
    expect((await visitor.get('/admin')).res.status).toBe(302);
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    expect((await visitor.post('/admin/login/code', { code: '000000', _csrf: token })).res.status).toBe(401);
    const ok = await visitor.post('/admin/login/code', { code: totpCode(secret, Math.floor(Date.now() / 30_000)), _csrf: token });
    expect(ok.res.status).toBe(303);
    expect((await visitor.get('/admin')).res.status).toBe(200);
  });

  test('when an admin turns on two-factor from the account page, then the next sign-in asks for a code', async () => {
    const { visitor, email } = await signInAs(app, 'admin');
    const page = await visitor.get('/admin/account');
    const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec(page.html)![1]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const refused = await visitor.post('/admin/account/totp', { code: '000000', _csrf: token });
    expect(refused.res.status).toBe(422);
    expect(refused.html).toContain('<a href="#code">');
    const enabled = await visitor.post('/admin/account/totp', { code: totpCode(secret, Math.floor(Date.now() / 30_000)), _csrf: token });
    expect(enabled.res.status).toBe(303);
    const again = await tryLogin(app, email, STAFF_PASSWORD);
    expect(again.html).toContain('name="code"');
  });

  test('when the setting requires two-factor for admins, then an admin without it is sent to set it up', async () => {
    const settings = await app.ctx.settings.get();
    await app.ctx.settings.update('security', { ...settings.security, requireTotpForAdmins: true });
    try {
      const { visitor } = await signInAs(app, 'admin');
      const res = (await visitor.get('/admin')).res;
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/admin/account/totp');
      const { visitor: staffVisitor } = await signInAs(app, 'staff');
      expect((await staffVisitor.get('/admin')).res.status).toBe(200);
    } finally {
      await app.ctx.settings.update('security', { ...settings.security, requireTotpForAdmins: false });
    }
  });

  test('when someone signs out everywhere, then their other sessions end too', async () => {
    const first = await signInAs(app, 'finance');
    const second = Visitor.of(app);
    const token = await second.csrf('/admin/login');
    await second.post('/admin/login', { email: first.email, password: STAFF_PASSWORD, _csrf: token });
    expect((await second.get('/admin')).res.status).toBe(200);
    const accountToken = await first.visitor.csrf('/admin/account');
    expect((await first.visitor.post('/admin/account/signout-all', { _csrf: accountToken })).res.status).toBe(303);
    expect((await second.get('/admin')).res.status).toBe(302);
    expect((await first.visitor.get('/admin')).res.status).toBe(302);
    const left = await app.ctx.db.select().from(sessions);
    expect(left.filter((s) => (s.data as { staffId?: string }).staffId === first.id)).toHaveLength(0);
  });

  test('when the password is changed, then the old one stops working and the new one works', async () => {
    const { visitor, email } = await signInAs(app, 'staff');
    const token = await visitor.csrf('/admin/account');
    const next = 'a much longer new passphrase';
    const wrong = await visitor.post('/admin/account/password', { current: 'nope', password: next, confirm: next, _csrf: token });
    expect(wrong.res.status).toBe(422);
    expect(wrong.html).toMatch(/data-error-summary[\s\S]*<a href="#current">現在のパスワードが正しくありません。<\/a>/);
    expect(wrong.html).toContain('aria-describedby="current-error"');
    const short = await visitor.post('/admin/account/password', { current: STAFF_PASSWORD, password: 'short', confirm: 'short', _csrf: token });
    expect(short.res.status).toBe(422);
    expect(short.html).toContain('<a href="#password">');
    const mismatch = await visitor.post('/admin/account/password', { current: STAFF_PASSWORD, password: next, confirm: `${next}!`, _csrf: token });
    expect(mismatch.html).toContain('<a href="#confirm">');
    expect((await visitor.post('/admin/account/password', { current: STAFF_PASSWORD, password: next, confirm: next, _csrf: token })).res.status).toBe(200);
    expect((await visitor.get('/admin')).res.status).toBe(200);
    expect((await tryLogin(app, email, STAFF_PASSWORD)).res.status).toBe(401);
    expect((await tryLogin(app, email, next)).res.status).toBe(303);
  });

  test('when the audit log is changed or deleted directly, then the database refuses', async () => {
    await expect(app.ctx.db.delete(auditLog)).rejects.toThrow();
    await expect(app.ctx.db.update(auditLog).set({ action: 'tampered' })).rejects.toThrow();
  });
});

describe('sign-in rate limit per address', () => {
  test('when one address fails twenty times, then further attempts get 429 even with a right password', async () => {
    const app = await startTestApp({ worker: false });
    try {
      await createStaff(app.ctx.db, { email: 'rl@welgee.example', name: 'R', role: 'staff', password: STAFF_PASSWORD });
      for (let i = 0; i < 20; i++) expect((await tryLogin(app, `nobody-${i}@welgee.example`, 'wrong-password-x')).res.status).toBe(401);
      const blocked = await tryLogin(app, 'rl@welgee.example', STAFF_PASSWORD);
      expect(blocked.res.status).toBe(429);
      expect(blocked.html).toContain('ログインの試行が多すぎます');
    } finally {
      await app.stop();
    }
  });
});
