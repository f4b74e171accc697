import { and, eq } from 'drizzle-orm';
import { auditLog } from '../../src/db/schema';
import { loadConfig } from '../../config';
import { createStaff } from '../../src/features/staff';
import { startTestApp, type TestApp } from '../helpers/app';
import { Visitor } from '../helpers/http';
import { CLIENT_IP_HEADER, startTestProxy, type TestProxy } from '../helpers/proxy';
import { STAFF_PASSWORD } from '../helpers/staff';
import { uniqueName } from '../helpers/services';

// The proxy connects from 127.0.0.5, standing for a TLS proxy on another host: the app is told to trust
// that address only, so a client reaching the app directly (from 127.0.0.1) cannot claim an address.
const PROXY_ADDRESS = '127.0.0.5';

describe('behind a TLS proxy (TRUST_PROXY)', () => {
  let app: TestApp;
  let proxy: TestProxy;
  let email: string;

  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: PROXY_ADDRESS, PUBLIC_URL: 'https://family.welgee.example' } });
    proxy = await startTestProxy({ upstreams: [app.url], localAddress: PROXY_ADDRESS, forwardedProto: 'https' });
    email = `${uniqueName('proxied')}@welgee.example`;
    await createStaff(app.ctx.db, { email, name: 'Proxied', role: 'staff', password: STAFF_PASSWORD });
  });
  afterAll(async () => {
    await proxy.stop();
    await app.stop();
  });

  const through = (clientIp: string) => new Visitor(proxy.url, { [CLIENT_IP_HEADER]: clientIp });
  const signIn = async (visitor: Visitor, password = STAFF_PASSWORD, as = email) => {
    const token = await visitor.csrf('/admin/login');
    return visitor.post('/admin/login', { email: as, password, _csrf: token });
  };

  test('when staff sign in over https through the proxy, then the session cookie is Secure, the console opens and HSTS is sent', async () => {
    const staff = through('203.0.113.10');
    const { res } = await signIn(staff);
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('wf_sid='));
    expect(cookie).toMatch(/;\s*Secure/i);
    const page = await staff.get('/admin');
    expect(page.res.status).toBe(200);
    expect(page.res.headers.get('strict-transport-security')).toContain('max-age=');
    const [row] = await app.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'login.success'), eq(auditLog.ip, '203.0.113.10')));
    expect(row).toBeDefined();
  });

  test('when a client reaches the app directly and claims https and another address, then neither is believed: no session cookie, its own address in the log', async () => {
    const direct = new Visitor(app.url, { 'x-forwarded-for': '198.51.100.77', 'x-forwarded-proto': 'https' });
    const { res } = await signIn(direct);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('wf_sid='))).toBe(false);
    expect((await direct.get('/admin')).res.status).not.toBe(200);
    expect(await app.ctx.db.select().from(auditLog).where(eq(auditLog.ip, '198.51.100.77'))).toHaveLength(0);
  });

  test('when one client fails to sign in twenty times, then that client is held back and another client behind the same proxy is not', async () => {
    // Guessing at addresses that have no account, so the per-account lockout plays no part.
    const attacker = through('203.0.113.66');
    for (let i = 0; i < 20; i++) expect((await signIn(attacker, 'wrong password!!', `guess-${i}@welgee.example`)).res.status).toBe(401);
    expect((await signIn(attacker, 'wrong password!!', 'guess-20@welgee.example')).res.status).toBe(429);
    const colleague = through('203.0.113.67');
    expect((await signIn(colleague)).res.status).toBe(303);
    const limited = await app.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'login.rate_limited'));
    expect(limited.map((r) => r.ip)).toEqual(['203.0.113.66']);
  });

  test('when supporters ask for sign-in links through the proxy, then the per-address limit counts each client, not the proxy', async () => {
    const ask = async (clientIp: string, i: number) => {
      const visitor = through(clientIp);
      const token = await visitor.csrf('/me');
      return (await visitor.post('/me/login', { email: `someone-${i}-${clientIp}@example.jp`, _csrf: token })).res.status;
    };
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push(await ask('203.0.113.90', i));
    expect(statuses).toContain(429);
    expect(await ask('203.0.113.91', 0)).not.toBe(429);
  });
});

describe('the TRUST_PROXY setting', () => {
  const load = (value: string) => loadConfig({ TRUST_PROXY: value });

  test('when it is a hop count, a list of addresses and CIDRs, or a named range, then it is taken as such', () => {
    expect(load('1').trustProxy).toBe(1);
    expect(load('10.0.0.1, 192.168.0.0/16,::1,fd00::/8').trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', '::1', 'fd00::/8']);
    expect(load('loopback,uniquelocal').trustProxy).toEqual(['loopback', 'uniquelocal']);
    expect(loadConfig({}).trustProxy).toEqual(['loopback']);
  });

  test.each(['true', 'everyone', '10.0.0.0/33', '300.1.1.1', '1; DROP TABLE staff', '<script>', '10.0.0.1,,', '999'])(
    'when it is %j, then the configuration is refused naming TRUST_PROXY',
    (value) => {
      expect(() => load(value)).toThrow(/TRUST_PROXY/);
    },
  );

  test('when HOST is unset, then the app listens on loopback; an address or localhost is accepted, anything else refused', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(() => loadConfig({ HOST: 'example.com' })).toThrow(/HOST/);
  });
});
