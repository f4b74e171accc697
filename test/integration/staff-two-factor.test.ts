import { and, eq } from 'drizzle-orm';
import { auditLog, staff } from '../../src/db/schema';
import { createStaff } from '../../src/features/staff';
import { generateTotpSecret, totpCode } from '../../src/lib/totp';
import { startTestApp, type TestApp } from '../helpers/app';
import { Visitor } from '../helpers/http';
import { STAFF_PASSWORD } from '../helpers/staff';

const step = () => Math.floor(Date.now() / 30_000);
const rightCode = (secret: string) => totpCode(secret, step());
/** A code that is not valid for this secret at any step near now. */
function wrongCode(secret: string): string {
  const near = new Set([-2, -1, 0, 1, 2].map((d) => totpCode(secret, step() + d)));
  for (let i = 0; ; i++) {
    const code = String(i).padStart(6, '0');
    if (!near.has(code)) return code;
  }
}

describe('the two-factor step of staff sign-in', () => {
  let app: TestApp;
  let n = 0;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
  });
  afterAll(() => app.stop());

  async function staffWithTotp() {
    n += 1;
    const email = `totp-${n}-${Date.now()}@welgee.example`;
    const secret = generateTotpSecret();
    const member = await createStaff(app.ctx.db, { email, name: `T ${n}`, role: 'admin', password: STAFF_PASSWORD });
    await app.ctx.db.update(staff).set({ totpSecret: secret, totpEnabled: true }).where(eq(staff.id, member.id));
    return { email, secret, id: member.id };
  }

  /** The password step; resolves with the visitor at the code form and the form's CSRF token. */
  async function passwordStep(email: string, visitor = Visitor.from(app)) {
    const token = await visitor.csrf('/admin/login');
    const { res, html } = await visitor.post('/admin/login', { email, password: STAFF_PASSWORD, _csrf: token });
    expect(res.status).toBe(200);
    expect(html).toContain('name="code"');
    return { visitor, token: /name="_csrf" value="([^"]+)"/.exec(html)![1]! };
  }

  const sendCode = (visitor: Visitor, token: string, code: string) => visitor.post('/admin/login/code', { code, _csrf: token });
  const audit = (staffId: string, action: string) =>
    app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.staffId, staffId), eq(auditLog.action, action)));

  test('when five wrong codes are sent to one sign-in, then it is void, the right code no longer works there, and a new sign-in from the password works', async () => {
    const { email, secret, id } = await staffWithTotp();
    const { visitor, token } = await passwordStep(email);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await sendCode(visitor, token, wrongCode(secret))).res.status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const late = await sendCode(visitor, token, rightCode(secret));
    expect(late.res.status).not.toBe(303);
    expect((await visitor.get('/admin')).res.status).toBe(302);
    const locked = await audit(id, 'login.code_locked');
    expect(locked.map((e) => e.detail)).toEqual([{ scope: 'sign-in' }]);

    const again = await passwordStep(email, visitor);
    expect((await sendCode(visitor, again.token, rightCode(secret))).res.status).toBe(303);
    expect((await visitor.get('/admin')).res.status).toBe(200);
  });

  test('when twenty wrong codes arrive at once for one sign-in, then only five are checked and the sign-in is void', async () => {
    const { email, secret, id } = await staffWithTotp();
    const { visitor, token } = await passwordStep(email);
    const answers = await Promise.all(Array.from({ length: 20 }, () => sendCode(visitor, token, wrongCode(secret))));
    expect(answers.every((a) => a.res.status !== 303 && a.res.status < 500)).toBe(true);
    const checked = (await audit(id, 'login.failure')).filter((e) => (e.detail as { reason?: string }).reason === 'code');
    expect(checked).toHaveLength(5);
    expect((await sendCode(visitor, token, rightCode(secret))).res.status).not.toBe(303);
    expect((await visitor.get('/admin')).res.status).toBe(302);
  });

  test("when a guesser with the password interleaves wrong codes with the owner's sign-ins, then the count is kept and after ten wrong codes in an hour even the right code waits", async () => {
    const { email, secret, id } = await staffWithTotp();
    const guess = async (times: number) => {
      const { visitor, token } = await passwordStep(email);
      for (let i = 0; i < times; i++) expect((await sendCode(visitor, token, wrongCode(secret))).res.status).toBe(401);
      return { visitor, token };
    };
    const ownerSignsIn = async () => {
      const { visitor, token } = await passwordStep(email);
      return sendCode(visitor, token, rightCode(secret));
    };
    await guess(4);
    expect((await ownerSignsIn()).res.status).toBe(303);
    await guess(4);
    expect((await ownerSignsIn()).res.status).toBe(303);
    const last = await guess(2);
    const refused = await sendCode(last.visitor, last.token, rightCode(secret));
    expect(refused.res.status).toBe(429);
    expect(Number(refused.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.html).toContain('確認コードの誤りが続いた');
    expect((await ownerSignsIn()).res.status).toBe(429);
    const locked = await audit(id, 'login.code_locked');
    expect(locked.map((e) => e.detail)).toContainEqual({ scope: 'account' });
  });
});
