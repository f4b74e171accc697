import crypto from 'node:crypto';

// Links in an issue's body go through /r/<link id>.<signature>/<recipient token> when sent: the link
// id names an address registered for that issue (nothing else is ever redirected to), the signature
// stops anyone from walking the ids, and the recipient token (the signed one of the unsubscribe link)
// counts each reader once. No pixel, no address or browser of the click is kept.

const SIGNATURE = /^[A-Za-z0-9_-]{22}$/;

function mac(secret: string, linkId: number): string {
  return crypto.createHmac('sha256', secret).update(`newsletter-link:${linkId}`).digest('base64url').slice(0, 22);
}

/** The first part of a click link: the link id and its signature. */
export function signedLinkId(secret: string, linkId: number): string {
  return `${linkId}.${mac(secret, linkId)}`;
}

/** The link id of a signed one, or undefined when it is forged or malformed. */
export function verifyLinkId(secret: string, signed: string): number | undefined {
  const match = /^([1-9]\d{0,15})\.(.+)$/.exec(signed);
  if (!match || !SIGNATURE.test(match[2]!)) return undefined;
  const id = Number(match[1]);
  const expected = Buffer.from(mac(secret, id));
  const given = Buffer.from(match[2]!);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given) ? id : undefined;
}

/** The click link of a registered link for the recipient whose token is `recipient` (or its placeholder). */
export function clickUrl(publicUrl: string, secret: string, linkId: number, recipient: string): string {
  return `${publicUrl.replace(/\/$/, '')}/r/${signedLinkId(secret, linkId)}/${recipient}`;
}

/**
 * Whether a link of the body is counted: web addresses only, and never the reader's own pages on this
 * site (My page, unsubscribe), which must keep working as they are.
 */
export function isCountedLink(url: string, publicUrl: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  const own = new URL(publicUrl);
  if (parsed.origin !== own.origin) return true;
  return !/^\/(me|unsubscribe|r)(\/|$)/.test(parsed.pathname);
}
