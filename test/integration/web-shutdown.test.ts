import net from 'node:net';
import { once } from 'node:events';
import { startTestApp, type TestApp } from '../helpers/app';

/** Everything the server writes on the socket until it closes the connection. */
function readUntilClosed(socket: net.Socket): Promise<string> {
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  return new Promise((resolve) => socket.once('close', () => resolve(text)));
}

// A proxy in front (nginx with `keepalive`) reuses connections to the app. During a rolling restart,
// a web that is stopping must finish what it has started without taking new work over those connections.
describe('stopping the web server', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
  });
  afterAll(() => app.stop());

  test('when the web is closed while a request is open on a keep-alive connection, then that request is answered with Connection: close, the connection ends and new connections are refused', async () => {
    const socket = net.connect(app.web.port, '127.0.0.1');
    await once(socket, 'connect');
    const received = readUntilClosed(socket);
    // One whole request first (the connection is then a reused keep-alive one), then one whose body is still coming.
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    socket.write('POST /family/join HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nplan=');
    await new Promise((r) => setTimeout(r, 500));

    const closed = app.web.close();
    socket.write('1000');
    const text = await received;
    await closed;

    const answers = text.split(/(?=HTTP\/1\.1 \d{3})/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 403/);
    expect(answers[1]).toMatch(/\r\nConnection: close\r\n/i);
    await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();
  });
});
