import crypto from 'node:crypto';

// The unsubscribe link carries the supporter id and an HMAC of it under the server secret: it works
// without cookies or sign-in (RFC 8058) and cannot be made for anyone else.

function mac(secret: string, supporterId: string): string {
  return crypto.createHmac('sha256', secret).update(`newsletter-unsubscribe:${supporterId}`).digest('base64url').slice(0, 32);
}

/** The token of a supporter's unsubscribe link. */
export function unsubscribeToken(secret: string, supporterId: string): string {
  return `${supporterId}.${mac(secret, supporterId)}`;
}

/** The supporter id a token was made for, or undefined when it is forged or malformed. */
export function verifyUnsubscribeToken(secret: string, token: string): string | undefined {
  const match = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!match) return undefined;
  const expected = Buffer.from(mac(secret, match[1]!));
  const given = Buffer.from(match[2]!);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given) ? match[1] : undefined;
}

/** The public unsubscribe URL of a supporter. */
export function unsubscribeUrl(publicUrl: string, secret: string, supporterId: string): string {
  return `${publicUrl.replace(/\/$/, '')}/unsubscribe/${unsubscribeToken(secret, supporterId)}`;
}
