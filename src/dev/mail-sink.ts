import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import PostalMime, { type Email } from 'postal-mime';

export interface ReceivedMail {
  id: string;
  receivedAt: Date;
  envelopeFrom: string;
  envelopeTo: string[];
  raw: Buffer;
}

export interface MailSink {
  url: string;
  port: number;
  messages: ReceivedMail[];
  /** Resolves once `count` messages matching `filter` have arrived (rejects after timeoutMs). */
  waitFor(count: number, filter?: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

export interface MailSinkOptions {
  port?: number;
  /** When given, every message is also written there as <time>-<id>.eml. */
  dir?: string;
  /** Answers a recipient with an SMTP error (for bounce tests). */
  rejectRecipient?: (address: string) => { code: number; message: string } | undefined;
}

/** Parses a raw RFC 5322 message. */
export function parseMail(raw: Buffer): Promise<Email> {
  return PostalMime.parse(raw);
}

/**
 * A real SMTP server on loopback that keeps what it receives: the embedded default's outbox and the
 * tests' mail server. It accepts any credentials and never relays.
 */
export async function startMailSink(opts: MailSinkOptions = {}): Promise<MailSink> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  if (opts.dir) fs.mkdirSync(opts.dir, { recursive: true });

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 30 * 1024 * 1024,
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'sink' });
    },
    onRcptTo(address, _session, callback) {
      const rejection = opts.rejectRecipient?.(address.address);
      if (rejection) {
        const err = Object.assign(new Error(rejection.message), { responseCode: rejection.code });
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail: ReceivedMail = {
          id: `${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}`,
          receivedAt: new Date(),
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        };
        messages.push(mail);
        if (opts.dir) fs.writeFileSync(path.join(opts.dir, `${mail.id}.eml`), mail.raw);
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  server.on('error', () => undefined);

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor(count, filter = () => true, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.filter(filter);
          if (found.length >= count) {
            cleanup();
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`expected ${count} message(s), received ${messages.filter(filter).length}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Lists the messages kept in a sink folder, newest first. */
export function listStoredMail(dir: string): { id: string; file: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .reverse()
    .map((f) => ({ id: f.slice(0, -4), file: path.join(dir, f) }));
}
