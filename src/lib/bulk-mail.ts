import crypto from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import MimeNode from 'nodemailer/lib/mime-node';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';

// A newsletter goes to thousands of people and differs between them only in the recipient and one link
// (their unsubscribe link). nodemailer would build the whole MIME message again for each of them; here
// the headers every copy shares are encoded once by nodemailer's own MIME code, the parts' bytes before
// the first link are base64-encoded once, and each copy only writes its own headers and encodes what
// follows its link. The result is an ordinary multipart/alternative message (text, then HTML, both
// UTF-8, line breaks CRLF), sent as is. Each part takes the transfer encoding nodemailer would give it:
// quoted-printable for mostly Latin text (an English issue), base64 otherwise (a Japanese one).

/** One message for many recipients. */
export interface BulkMessage {
  subject: string;
  html: string;
  text: string;
  /** Extra headers; a value containing the placeholder is written per copy with the recipient's link. */
  headers: Record<string, string>;
  /** Stands for the recipient's link wherever it appears in html, text and header values. */
  placeholder: string;
}

/** A finished message: the envelope recipient and the bytes sent as they are. */
export interface RawMessage {
  to: string;
  raw: Buffer;
  messageId: string;
}

export interface BulkTemplate {
  /** The copy for one recipient (a plain address, see isPlainAddress) with their link. */
  copy(to: string, link: string, date?: Date): RawMessage;
}

/** 57 bytes make one 76-character base64 line. */
const LINE_BYTES = 57;
const CRLF = '\r\n';

/**
 * Addresses a header can carry as they are: ASCII without spaces, quotes, brackets or separators.
 * Anything else (an internationalised address, a quoted local part) goes through nodemailer's full path.
 */
export function isPlainAddress(address: string): boolean {
  return address.length <= 254 && /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$/.test(address);
}

/** Text that can stand in a header line untouched: printable ASCII, no line breaks. */
function isHeaderSafe(value: string): boolean {
  return value.length <= 900 && /^[\x20-\x7e]*$/.test(value);
}

function base64Lines(bytes: Buffer): string {
  const encoded = bytes.toString('base64');
  let out = '';
  for (let i = 0; i < encoded.length; i += 76) out += encoded.slice(i, i + 76) + CRLF;
  return out;
}

/** A part's body, encoded once as far as every copy is the same. */
interface EncodedBody {
  encoding: 'base64' | 'quoted-printable';
  /** Lines encoded once: all the text before the first link (quoted-printable), or its whole base64 lines. */
  head: string;
  /** Bytes after `head` and before the first link. */
  carry: Buffer;
  /** The text after those bytes, split at each link (none when there is no link). */
  pieces: string[];
}

/**
 * The transfer encoding nodemailer gives this text (its own rule: quoted-printable when Latin letters
 * outnumber other characters, base64 otherwise). Text it would send as 7bit goes as quoted-printable,
 * which reads the same and keeps lines short once the link is in; an empty part as base64 (one CRLF).
 */
function transferEncoding(text: string): EncodedBody['encoding'] {
  const chosen = new MimeNode('text/plain').setContent(text).getTransferEncoding();
  return chosen === 'base64' || chosen === false ? 'base64' : 'quoted-printable';
}

/** Quoted-printable lines, each ending in CRLF: a soft line break ends text without a break of its own. */
function qpLines(bytes: Buffer): string {
  const encoded = qpWrap(qpEncode(bytes), 75);
  return encoded === '' || encoded.endsWith(CRLF) ? encoded : `${encoded}=${CRLF}`;
}

function encodeBody(body: string, placeholder: string): EncodedBody {
  // Text travels with CRLF line breaks (its canonical form); a bare LF would be refused by some servers.
  const canonical = body.replace(/\r?\n/g, CRLF);
  const encoding = transferEncoding(canonical);
  const [before, ...after] = canonical.split(placeholder);
  const bytes = Buffer.from(before!, 'utf8');
  const pieces = after.length === 0 ? [] : ['', ...after];
  // Quoted-printable: all of the text before the first link, as soft line breaks join lines.
  if (encoding === 'quoted-printable') return { encoding, head: qpLines(bytes), carry: Buffer.alloc(0), pieces };
  // Base64: whole 57-byte lines only; the rest is encoded with what follows.
  const whole = after.length === 0 ? bytes.length : bytes.length - (bytes.length % LINE_BYTES);
  return { encoding, head: base64Lines(bytes.subarray(0, whole)), carry: bytes.subarray(whole), pieces };
}

/** The body's encoded lines, each ending in CRLF (an empty body is one CRLF, the one before the boundary). */
function bodyFor(part: EncodedBody, link: string): string {
  if (part.pieces.length === 0) return part.head || CRLF; // no link: all of it was encoded once
  const tail = Buffer.concat([part.carry, Buffer.from(part.pieces.join(link), 'utf8')]);
  return part.head + (part.encoding === 'base64' ? base64Lines(tail) : qpLines(tail)) || CRLF;
}

/** The address of a sender written as in MAIL_FROM ("Name <address>"), or undefined when it has none. */
export function senderAddress(from: string): string | undefined {
  const sender = addressparser(from)[0];
  return (sender && 'address' in sender && sender.address) || undefined;
}

/** Builds the shared parts of a message once; `from` is the sender as in MAIL_FROM ("Name <address>"). */
export function bulkTemplate(from: string, message: BulkMessage): BulkTemplate {
  const { placeholder } = message;
  if (!/^[\x21-\x7e]{8,}$/.test(placeholder)) throw new Error('the link placeholder must be printable ASCII of at least 8 characters');
  const address = senderAddress(from);
  if (!address) throw new Error('the sender has no address');
  const domain = address.split('@').pop()!;

  // A child node: nodemailer encodes these headers and makes the boundary, but adds no Date or Message-ID.
  const node = new MimeNode().createChild('multipart/alternative');
  node.setHeader('From', from);
  node.setHeader('Subject', message.subject);
  const perCopy: [string, string][] = [];
  for (const [key, value] of Object.entries(message.headers)) {
    if (!value.includes(placeholder)) node.setHeader(key, value);
    else if (isHeaderSafe(value) && /^[A-Za-z0-9-]+$/.test(key)) perCopy.push([key, value]);
    else throw new Error(`header ${key} cannot carry the link as it is`);
  }
  node.setHeader('MIME-Version', '1.0');
  const shared = node.buildHeaders();
  const boundary = node.boundary; // made while the headers are built
  if (typeof boundary !== 'string' || !/^[\x21-\x7e]+$/.test(boundary)) throw new Error('no multipart boundary');
  const text = encodeBody(message.text, placeholder);
  const html = encodeBody(message.html, placeholder);
  const textStart = `${CRLF}${CRLF}--${boundary}${CRLF}Content-Type: text/plain; charset=utf-8${CRLF}Content-Transfer-Encoding: ${text.encoding}${CRLF}${CRLF}`;
  const htmlStart = `--${boundary}${CRLF}Content-Type: text/html; charset=utf-8${CRLF}Content-Transfer-Encoding: ${html.encoding}${CRLF}${CRLF}`;
  const end = `--${boundary}--${CRLF}`;

  return {
    copy(to, link, date = new Date()) {
      if (!isPlainAddress(to)) throw new Error('not a plain address: send this recipient through the mailer');
      if (!isHeaderSafe(link) || link.includes(placeholder)) throw new Error('the link must be printable ASCII');
      const messageId = `<${crypto.randomUUID()}@${domain}>`;
      let head = `To: ${to}${CRLF}Date: ${date.toUTCString().replace(/GMT/, '+0000')}${CRLF}Message-ID: ${messageId}${CRLF}`;
      for (const [key, value] of perCopy) head += `${key}: ${value.split(placeholder).join(link)}${CRLF}`;
      const raw = head + shared + textStart + bodyFor(text, link) + htmlStart + bodyFor(html, link) + end;
      return { to, raw: Buffer.from(raw, 'latin1'), messageId };
    },
  };
}
