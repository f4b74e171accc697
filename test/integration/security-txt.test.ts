import { startTestApp, type TestApp } from '../helpers/app';

describe('/.well-known/security.txt', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
  });
  afterAll(() => app.stop());

  test('when anyone asks for security.txt, then it names the organisation contact address and an expiry within a year (RFC 9116)', async () => {
    const res = await fetch(`${app.url}/.well-known/security.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const { organisation } = await app.ctx.settings.get();
    expect(text).toContain(`Contact: mailto:${organisation.contactEmail}\n`);
    expect(text).toContain(`Canonical: ${app.url}/.well-known/security.txt\n`);
    const expires = Date.parse(/^Expires: (\S+)$/m.exec(text)![1]!);
    const days = (expires - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(300);
    expect(days).toBeLessThan(365);
  });
});
