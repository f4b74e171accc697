import crypto from 'node:crypto';
import type { Db } from '../../db/client';
import { enqueueJob } from '../../lib/enqueue';
import { emailKey } from '../../lib/email-address';
import { queueEmail } from '../emails';
import { findSupporterByEmail, followMerges } from '../supporters';
import { completeLoginRequest, insertLoginRequest, lockUnprocessedRequest, useLoginLink } from './login.repo';
import { now as clockNow } from '../../lib/clock';

export const LINK_VALID_MINUTES = 30;

/**
 * The token in a sign-in link: an HMAC of the request id under the server secret. The database keeps
 * only its sha256, and the email job derives it again from the id, so the token is never stored.
 */
export function loginToken(secret: string, linkId: string): string {
  return crypto.createHmac('sha256', secret).update(`me-login:${linkId}`).digest('base64url');
}

export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** A well-formed token (43 base64url characters); anything else is not looked up. */
export const isTokenShaped = (token: string) => /^[\w-]{43}$/.test(token);

/**
 * Asks for a sign-in link. Known and unknown addresses take exactly the same path here (one row and one
 * job); the job decides whether an email goes out, so the response and its timing reveal nothing.
 */
export async function requestLoginLink(db: Db, email: string, ip: string | undefined, now = clockNow()): Promise<void> {
  await db.transaction(async (tx) => {
    const id = await insertLoginRequest(tx, { emailNormalized: emailKey(email), ip, expiresAt: new Date(now.getTime() + LINK_VALID_MINUTES * 60_000) });
    await enqueueJob(tx, 'send-login-link', { linkId: id });
  });
}

/** The job's half: for a known supporter, stores the token's hash and queues the email; then forgets the address. */
export async function issueLoginLink(db: Db, secret: string, linkId: string): Promise<'sent' | 'unknown' | 'done'> {
  return db.transaction(async (tx) => {
    const request = await lockUnprocessedRequest(tx, linkId);
    if (!request) return 'done';
    const found = request.emailNormalized ? await findSupporterByEmail(tx, request.emailNormalized) : undefined;
    const supporter = found ? await followMerges(tx, found) : undefined;
    if (!supporter || supporter.erasedAt) {
      await completeLoginRequest(tx, linkId);
      return 'unknown';
    }
    await completeLoginRequest(tx, linkId, { supporterId: supporter.id, tokenHash: hashToken(loginToken(secret, linkId)) });
    await queueEmail(tx, {
      template: 'login-link',
      to: supporter.email,
      locale: supporter.locale,
      supporterId: supporter.id,
      params: { linkId },
      dedupeKey: `login-link:${linkId}`,
    });
    return 'sent';
  });
}

/** Signs in with a link: the supporter id, once; undefined for a used, expired or unknown token. */
export async function redeemLoginLink(db: Db, token: string, now = clockNow()): Promise<string | undefined> {
  if (!isTokenShaped(token)) return undefined;
  return useLoginLink(db, hashToken(token), now);
}
