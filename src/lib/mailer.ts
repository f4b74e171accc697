import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { bulkTemplate, senderAddress, type BulkMessage, type BulkTemplate, type RawMessage } from './bulk-mail';
import { createBulkSmtp, type BulkSmtp } from './bulk-smtp';
import type { Metrics } from './metrics';

export type { BulkMessage, BulkTemplate, RawMessage } from './bulk-mail';

export interface OutgoingMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
  /** RFC 2369 List-* headers, e.g. { unsubscribe: [[httpsUrl, mailtoUrl]] } */
  list?: Record<string, unknown>;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export interface Mailer {
  /** Sends a message built here, or a finished copy of a bulk message as it is. */
  send(message: OutgoingMessage | RawMessage): Promise<{ messageId: string }>;
  /** One message for many recipients, built once; each recipient's copy is made by the template. */
  template(message: BulkMessage): BulkTemplate;
  verify(): Promise<void>;
  close(): void;
}

/**
 * Errors that will not succeed on retry: a 5xx SMTP reply, or an envelope nodemailer refuses before
 * talking to the server (code EENVELOPE, command API: "No recipients defined" for an address it cannot
 * read, an invalid recipient). nodemailer is pinned; test/integration/email-failures.test.ts holds it to this.
 */
export function isPermanentMailError(err: unknown): boolean {
  const { responseCode, code, command } = (err ?? {}) as { responseCode?: number; code?: string; command?: string };
  if (typeof responseCode === 'number') return responseCode >= 500 && responseCode < 600;
  return code === 'EENVELOPE' && command === 'API';
}

/** A pooled nodemailer transport over SMTP; failed sends are counted in `smtp_errors_total` when metrics are given. */
export function createMailer(opts: { smtpUrl: string; from: string; maxConnections?: number; metrics?: Metrics }): Mailer {
  const transport: Transporter<SMTPPool.SentMessageInfo> = nodemailer.createTransport({
    url: opts.smtpUrl,
    pool: true,
    maxConnections: opts.maxConnections ?? 5,
    maxMessages: 1000,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as SMTPPool.Options);
  const envelopeFrom = senderAddress(opts.from) ?? opts.from;
  // Finished copies of bulk messages go over connections of their own, opened on the first one.
  let bulk: BulkSmtp | undefined;
  const errors = opts.metrics?.counter({
    name: 'smtp_errors_total',
    help: 'Messages the SMTP server refused or could not take, by kind (permanent: 5xx) and path (single message or bulk copy)',
    labelNames: ['kind', 'path'],
  });
  const counted = async <T>(path: 'single' | 'bulk', sending: Promise<T>): Promise<T> => {
    try {
      return await sending;
    } catch (err) {
      errors?.inc({ kind: isPermanentMailError(err) ? 'permanent' : 'temporary', path });
      throw err;
    }
  };
  return {
    async send(message) {
      if ('raw' in message) {
        bulk ??= createBulkSmtp({ smtpUrl: opts.smtpUrl, connections: opts.maxConnections ?? 5 });
        await counted('bulk', bulk.send({ from: envelopeFrom, to: message.to }, message.raw));
        return { messageId: message.messageId };
      }
      const info = await counted('single', transport.sendMail({ from: opts.from, ...message } as import('nodemailer').SendMailOptions));
      return { messageId: info.messageId };
    },
    template: (message) => bulkTemplate(opts.from, message),
    async verify() {
      await transport.verify();
    },
    close: () => {
      transport.close();
      bulk?.close();
    },
  };
}
