import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

// Finished messages (bulk-mail.ts) go out over a few SMTP connections of nodemailer's own, kept open and
// reused. nodemailer's pool would wrap every message's bytes in a stream pipeline, whose abort signals
// outlive the young generation: at newsletter rates that is megabytes a second of garbage left for the
// old generation. Here a message's bytes are written to its connection as they are.

export interface BulkSmtpOptions {
  smtpUrl: string;
  /** Connections open at most. */
  connections: number;
  /** Messages over one connection before it is replaced. */
  maxMessages?: number;
  /** An unused connection is closed after this long. */
  idleMs?: number;
}

export interface BulkSmtp {
  /** Resolves once the server accepted the message; rejects with nodemailer's error (responseCode for SMTP replies). */
  send(envelope: { from: string; to: string }, raw: Buffer): Promise<void>;
  /** Connections open now (for tests). */
  openConnections(): number;
  close(): void;
}

interface Connection {
  smtp: SMTPConnection;
  sent: number;
  closed: boolean;
  idleTimer?: NodeJS.Timeout;
}

type SmtpError = Error & { code?: string; responseCode?: number; command?: string };

export function createBulkSmtp(opts: BulkSmtpOptions): BulkSmtp {
  const { auth, ...server } = parseConnectionUrl(opts.smtpUrl) as SMTPConnection.Options & { auth?: SMTPConnection.Credentials };
  const connectionOptions: SMTPConnection.Options = { ...server, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
  const maxMessages = opts.maxMessages ?? 1000;
  const idleMs = opts.idleMs ?? 5000;
  const idle: Connection[] = [];
  const waiting: (() => void)[] = [];
  let open = 0;
  let shut = false;

  const wakeOne = () => waiting.shift()?.();

  /** Closes a connection: politely (QUIT) when it is healthy, at once after an error. */
  function retire(connection: Connection, polite = true) {
    if (connection.closed) return;
    connection.closed = true;
    clearTimeout(connection.idleTimer);
    const at = idle.indexOf(connection);
    if (at >= 0) idle.splice(at, 1);
    open -= 1;
    if (polite && !connection.smtp.destroyed) connection.smtp.quit();
    else connection.smtp.close();
    wakeOne();
  }

  function connect(): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const smtp = new SMTPConnection(connectionOptions);
      const connection: Connection = { smtp, sent: 0, closed: false };
      let ready = false;
      const fail = (err: Error) => {
        if (!ready) {
          ready = true;
          connection.closed = true;
          smtp.close();
          reject(err);
        } else retire(connection, false);
      };
      // After the handshake, an error or the server hanging up only retires the connection: a send
      // in progress gets its own error from send().
      smtp.on('error', fail);
      smtp.on('end', () => fail(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' })));
      smtp.connect((err?: Error | null) => {
        if (err) return fail(err);
        const done = () => {
          ready = true;
          resolve(connection);
        };
        if (!auth) return done();
        smtp.login(auth, (err) => (err ? fail(err) : done()));
      });
    });
  }

  async function acquire(): Promise<Connection> {
    for (;;) {
      if (shut) throw Object.assign(new Error('The mailer is closed'), { code: 'ECONNECTION' });
      const connection = idle.pop();
      if (connection) {
        clearTimeout(connection.idleTimer);
        return connection;
      }
      if (open < opts.connections) {
        open += 1;
        try {
          return await connect();
        } catch (err) {
          open -= 1;
          wakeOne();
          throw err;
        }
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  }

  function release(connection: Connection) {
    if (connection.closed) return;
    if (shut || connection.sent >= maxMessages) return retire(connection);
    idle.push(connection);
    connection.idleTimer = setTimeout(() => retire(connection), idleMs).unref();
    wakeOne();
  }

  function sendOver(connection: Connection, envelope: { from: string; to: string }, raw: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      connection.sent += 1;
      connection.smtp.send(envelope, raw, (err) => {
        if (!err) {
          release(connection);
          return resolve();
        }
        const error = err as SmtpError;
        if ((error.code === 'EENVELOPE' || error.code === 'EMESSAGE') && error.responseCode !== 421 && !connection.closed) {
          // The server refused this message; the connection is fine once the session is reset.
          connection.smtp.reset((resetErr) => (resetErr ? retire(connection) : release(connection)));
        } else {
          retire(connection, false);
        }
        reject(error);
      });
    });
  }

  return {
    // A failure of the connection itself (the server hung up, a timeout) is the caller's to retry
    // later, like a 4xx reply: whether the server kept the message is not known, so it is not sent
    // again here.
    send: async (envelope, raw) => sendOver(await acquire(), envelope, raw),
    openConnections: () => open,
    close() {
      shut = true;
      for (const connection of [...idle]) retire(connection);
      while (waiting.length > 0) wakeOne();
    },
  };
}
