import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';

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
  send(message: OutgoingMessage): Promise<{ messageId: string }>;
  verify(): Promise<void>;
  close(): void;
}

/** SMTP errors that will not succeed on retry (5xx replies, refused recipients). */
export function isPermanentMailError(err: unknown): boolean {
  const code = (err as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** A pooled nodemailer transport over SMTP. */
export function createMailer(opts: { smtpUrl: string; from: string; maxConnections?: number }): Mailer {
  const transport: Transporter<SMTPPool.SentMessageInfo> = nodemailer.createTransport({
    url: opts.smtpUrl,
    pool: true,
    maxConnections: opts.maxConnections ?? 5,
    maxMessages: 1000,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as SMTPPool.Options);
  return {
    async send(message) {
      const info = await transport.sendMail({ from: opts.from, ...message } as import("nodemailer").SendMailOptions);
      return { messageId: info.messageId };
    },
    async verify() {
      await transport.verify();
    },
    close: () => transport.close(),
  };
}
