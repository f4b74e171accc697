import net from 'node:net';
import { startTestApp, type TestApp } from '../helpers/app';
import { Visitor } from '../helpers/http';
import { createStaff } from '../../src/features/staff';
import { STAFF_PASSWORD } from '../helpers/staff';

/** Sends a raw request line (fetch would normalise `//host` paths before sending them). */
function rawGet(app: TestApp, path: string): Promise<string> {
  const { port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/html\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

const langLinks = (html: string) => [...html.matchAll(/class="lang-switch" href="([^"]*)"/g)].map((m) => m[1]!);

describe('links and redirects stay on this site', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
  });
  afterAll(() => app.stop());

  test.each(['//evil.example/x', '///evil.example/x', '/\\evil.example/x', '/%2F%2Fevil.example'])(
    'when GET %s is answered (404), then the language link is a path on this site, never //host',
    async (path) => {
      const answer = await rawGet(app, path);
      expect(answer).toMatch(/^HTTP\/1\.1 404/);
      const links = langLinks(answer);
      expect(links.length).toBeGreaterThan(0);
      for (const link of links) {
        expect(link.startsWith('/')).toBe(true);
        expect(link.startsWith('//')).toBe(false);
        expect(link.startsWith('/\\')).toBe(false);
      }
    },
  );

  test.each(['/admin/..//evil.example', '/admin/%2e%2e//evil.example', '/admin/\\\\evil.example', '//evil.example/admin', 'https://evil.example/admin'])(
    'when staff sign in with next=%s, then they land on /admin and the form never carries the foreign target',
    async (next) => {
      const email = `next-${Math.random().toString(36).slice(2)}@welgee.example`;
      await createStaff(app.ctx.db, { email, name: 'Next', role: 'staff', password: STAFF_PASSWORD });
      const visitor = Visitor.of(app);
      const page = await visitor.get(`/admin/login?next=${encodeURIComponent(next)}`);
      expect(page.html).toContain('name="next" value="/admin"');
      const token = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
      const { res, location } = await visitor.post('/admin/login', { email, password: STAFF_PASSWORD, _csrf: token, next });
      expect(res.status).toBe(303);
      expect(location).toBe('/admin');
    },
  );

  test('when staff sign in with a console path as next, then they land there', async () => {
    const email = `next-ok-${Math.random().toString(36).slice(2)}@welgee.example`;
    await createStaff(app.ctx.db, { email, name: 'Next', role: 'staff', password: STAFF_PASSWORD });
    const visitor = Visitor.of(app);
    const token = await visitor.csrf('/admin/login');
    const { location } = await visitor.post('/admin/login', { email, password: STAFF_PASSWORD, _csrf: token, next: '/admin/supporters?q=a' });
    expect(location).toBe('/admin/supporters?q=a');
  });
});
