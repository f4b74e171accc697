import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { createBulkSmtp, type BulkSmtp } from '../../src/lib/bulk-smtp';
import { isPermanentMailError } from '../../src/lib/mailer';

// The connections newsletter copies go out over, against a real SMTP server on loopback whose answers
// each test chooses.

interface Server {
  url: string;
  received: { to: string; raw: string; session: string }[];
  connections: number;
  /** Sessions open right now. */
  live: Set<SMTPServerSession>;
  /** Drops every open connection without a reply, as a server restarting does. */
  dropAll(): void;
  stop(): Promise<void>;
}

async function startServer(opts: { refuse?: (to: string) => { code: number; message: string } | undefined; password?: string } = {}): Promise<Server> {
  const live = new Set<SMTPServerSession>();
  const sockets = new Set<Socket>();
  const state: Server = {
    url: '',
    received: [],
    connections: 0,
    live,
    dropAll: () => {
      for (const socket of sockets.values()) socket.destroy();
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: SMTPServer = new SMTPServer({
    secure: false,
    disabledCommands: opts.password ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !opts.password,
    logger: false,
    onConnect(session, callback) {
      state.connections += 1;
      live.add(session);
      callback();
    },
    onClose(session) {
      live.delete(session);
    },
    onAuth(auth, _session, callback) {
      if (auth.username === 'news' && auth.password === opts.password) return callback(null, { user: 'news' });
      callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const refusal = opts.refuse?.(address.address);
      if (refusal) return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.received.push({ to: session.envelope.rcptTo[0]!.address, raw: Buffer.concat(chunks).toString(), session: session.id });
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  // smtp-server keeps its sockets to itself; take them as they connect to be able to drop them.
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as { port: number }).port)));
  state.url = opts.password ? `smtp://news:${encodeURIComponent(opts.password)}@127.0.0.1:${port}` : `smtp://127.0.0.1:${port}`;
  return state;
}

const message = (n: number) => Buffer.from(`To: r${n}@example.jp\r\nSubject: n${n}\r\n\r\nbody ${n}\r\n`);
const envelope = (to: string) => ({ from: 'family@welgee.example', to });
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('bulk SMTP connections', () => {
  let server: Server;
  let smtp: BulkSmtp | undefined;
  afterEach(async () => {
    smtp?.close();
    smtp = undefined;
    await server.stop();
  });

  test('when 60 messages are sent 10 at a time, then each arrives once, as written, over no more than the allowed connections', async () => {
    server = await startServer();
    smtp = createBulkSmtp({ smtpUrl: server.url, connections: 3 });
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < 60) {
          const n = next++;
          await smtp!.send(envelope(`r${n}@example.jp`), message(n));
        }
      }),
    );
    expect(server.received.map((m) => m.to).sort()).toEqual(Array.from({ length: 60 }, (_, n) => `r${n}@example.jp`).sort());
    expect(server.received.find((m) => m.to === 'r7@example.jp')!.raw).toBe(message(7).toString());
    expect(server.connections).toBeLessThanOrEqual(3);
    expect(smtp.openConnections()).toBeLessThanOrEqual(3);
  });

  test('when the server refuses a recipient for good, then that send fails with the 5xx reply and the same connection carries the next message', async () => {
    server = await startServer({ refuse: (to) => (to.startsWith('gone') ? { code: 550, message: '5.1.1 No such user' } : undefined) });
    smtp = createBulkSmtp({ smtpUrl: server.url, connections: 1 });
    await smtp.send(envelope('a@example.jp'), message(1));
    const err = await smtp.send(envelope('gone@example.jp'), message(2)).catch((e: unknown) => e);
    expect(isPermanentMailError(err)).toBe(true);
    expect(String((err as { response?: string }).response)).toMatch(/550 5\.1\.1 No such user/);
    await smtp.send(envelope('b@example.jp'), message(3));
    expect(server.received.map((m) => m.to)).toEqual(['a@example.jp', 'b@example.jp']);
    expect(server.connections).toBe(1);
  });

  test('when the server answers 4xx, then the send fails as temporary (the pipeline retries it later)', async () => {
    server = await startServer({ refuse: (to) => (to.startsWith('busy') ? { code: 451, message: '4.3.0 Try again later' } : undefined) });
    smtp = createBulkSmtp({ smtpUrl: server.url, connections: 1 });
    const err = await smtp.send(envelope('busy@example.jp'), message(1)).catch((e: unknown) => e);
    expect((err as { responseCode?: number }).responseCode).toBe(451);
    expect(isPermanentMailError(err)).toBe(false);
    await smtp.send(envelope('a@example.jp'), message(2));
    expect(server.received).toHaveLength(1);
  });

  test('when the server drops its connections between messages, then the next message goes over a new one', async () => {
    server = await startServer();
    smtp = createBulkSmtp({ smtpUrl: server.url, connections: 2 });
    await smtp.send(envelope('a@example.jp'), message(1));
    server.dropAll();
    await until(() => smtp!.openConnections() === 0);
    expect(smtp.openConnections()).toBe(0);
    await smtp.send(envelope('b@example.jp'), message(2));
    expect(server.received.map((m) => m.to)).toEqual(['a@example.jp', 'b@example.jp']);
    expect(server.connections).toBe(2);
  });

  test('when a connection has carried its quota, then it is replaced; when it has been idle, it is closed', async () => {
    server = await startServer();
    smtp = createBulkSmtp({ smtpUrl: server.url, connections: 1, maxMessages: 2, idleMs: 50 });
    for (let n = 0; n < 5; n++) await smtp.send(envelope(`r${n}@example.jp`), message(n));
    expect(server.received).toHaveLength(5);
    expect(new Set(server.received.map((m) => m.session)).size).toBe(3);
    await until(() => server.live.size === 0);
    expect(server.live.size).toBe(0);
    expect(smtp.openConnections()).toBe(0);
  });

  test('when the URL carries credentials, then the connection signs in; with a wrong password the send fails and no connection is left counted', async () => {
    server = await startServer({ password: 'right pass' });
    smtp = createBulkSmtp({ smtpUrl: server.url, connections: 1 });
    await smtp.send(envelope('a@example.jp'), message(1));
    smtp.close();
    smtp = createBulkSmtp({ smtpUrl: server.url.replace('right%20pass', 'wrong'), connections: 1 });
    const err = await smtp.send(envelope('b@example.jp'), message(2)).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('EAUTH');
    expect(smtp.openConnections()).toBe(0);
    expect(server.received.map((m) => m.to)).toEqual(['a@example.jp']);
  });

  test('when nothing listens at the address, then the send fails with a connection error and can be tried again', async () => {
    server = await startServer();
    const url = server.url;
    await server.stop();
    smtp = createBulkSmtp({ smtpUrl: url, connections: 2 });
    for (let i = 0; i < 3; i++) {
      const err = await smtp.send(envelope('a@example.jp'), message(1)).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toMatch(/ECONNECTION|ESOCKET/);
    }
    expect(smtp.openConnections()).toBe(0);
    server = await startServer(); // afterEach stops it
  });

  test('when closed, then later sends fail at once', async () => {
    server = await startServer();
    smtp = createBulkSmtp({ smtpUrl: server.url, connections: 1 });
    await smtp.send(envelope('a@example.jp'), message(1));
    smtp.close();
    await expect(smtp.send(envelope('b@example.jp'), message(2))).rejects.toThrow(/closed/);
    await until(() => server.live.size === 0);
    expect(server.live.size).toBe(0);
  });
});
