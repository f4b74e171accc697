import crypto from 'node:crypto';
import type { Db, Tx } from '../../db/client';
import { now as clockNow } from '../../lib/clock';
import { tokyoDay } from '../../lib/dates';
import type { Locale } from '../../lib/i18n';
import { queueEmail } from '../emails';
import { findSupporterById, followMerges, insertConsent, updateSupporter, type Supporter } from './supporters.repo';
import { consentTextVersion, type ConsentContext } from './supporters.service';
import {
  findConfirmableSignup,
  hasWithdrawnNewsletter,
  insertSignup,
  lockSignupsOfCheckout,
  markSignupConfirmed,
  openSignupLink,
  useSignupLink,
  type NewsletterSignup,
} from './signups.repo';

// Newsletter consent from a public form is only a request until it is confirmed (double opt-in):
// by the payment the form went on to, or by the person through an emailed link. Until then nothing
// about the supporter changes (newsletter flag, language), so nobody can subscribe someone else.

export const SIGNUP_LINK_DAYS = 7;

/** The token in a confirmation link: an HMAC of the signup id under the server secret, never stored. */
export function signupToken(secret: string, signupId: string): string {
  return crypto.createHmac('sha256', secret).update(`newsletter-signup:${signupId}`).digest('base64url');
}

/** Whether a token is the one for this signup (constant time); anything malformed is simply wrong. */
export function isSignupToken(secret: string, signupId: string, token: string): boolean {
  if (!/^[0-9a-f-]{36}$/i.test(signupId) || !/^[\w-]{43}$/.test(token)) return false;
  return crypto.timingSafeEqual(Buffer.from(signupToken(secret, signupId)), Buffer.from(token));
}

/** Records the newsletter box ticked on a form going on to Checkout Session `checkoutSessionId`. */
export async function requestNewsletterSignup(
  tx: Tx,
  input: { supporterId: string; locale: Locale; text: string; checkoutSessionId: string },
  context: ConsentContext,
): Promise<void> {
  await insertSignup(tx, {
    supporterId: input.supporterId,
    locale: input.locale,
    text: input.text,
    source: context.source,
    ip: context.ip ?? null,
    userAgent: context.userAgent?.slice(0, 500) ?? null,
    checkoutSessionId: input.checkoutSessionId,
  });
}

/** Gives newsletter consent as the signup asked: a consent row with its text, the flag, and its language. */
async function grantNewsletter(tx: Tx, supporter: Supporter, signup: NewsletterSignup, context: ConsentContext): Promise<void> {
  await insertConsent(tx, {
    supporterId: supporter.id,
    purpose: 'newsletter',
    granted: true,
    text: signup.text,
    textVersion: consentTextVersion('newsletter', signup.text),
    source: context.source,
    ip: context.ip ?? null,
    userAgent: context.userAgent?.slice(0, 500) ?? null,
  });
  await updateSupporter(tx, supporter.id, { newsletter: true, locale: signup.locale });
}

async function currentSupporter(tx: Tx, id: string): Promise<Supporter | undefined> {
  const found = await findSupporterById(tx, id);
  const supporter = found ? await followMerges(tx, found) : undefined;
  return supporter && !supporter.erasedAt ? supporter : undefined;
}

/**
 * Emails the confirmation link of a signup (once); the token is derived again by the email's enricher.
 * A second signup of the same address on the same day gets no second email (the first link still works).
 */
async function sendSignupLink(tx: Tx, signup: NewsletterSignup, supporter: Supporter, now: Date): Promise<void> {
  if (!(await openSignupLink(tx, signup.id, new Date(now.getTime() + SIGNUP_LINK_DAYS * 86_400_000)))) return;
  await queueEmail(tx, {
    template: 'newsletter-confirm',
    to: supporter.email,
    locale: signup.locale,
    supporterId: supporter.id,
    params: { signupId: signup.id },
    // At most one a day (Japan) per address: unpaid forms with someone's address must not flood them.
    dedupeKey: `newsletter-confirm:${supporter.id}:${tokyoDay(now)}`,
  });
}

/**
 * The form's payment arrived (Checkout completed): its newsletter box counts as consent given on the
 * form, recorded now with the form's text, time of payment and the form's IP. Someone who had
 * unsubscribed is asked by email instead: only the person, through the link, subscribes them again.
 */
export async function confirmSignupsByPayment(tx: Tx, checkoutSessionId: string, now = clockNow()): Promise<void> {
  for (const signup of await lockSignupsOfCheckout(tx, checkoutSessionId)) {
    const supporter = await currentSupporter(tx, signup.supporterId);
    if (!supporter) continue;
    if (await hasWithdrawnNewsletter(tx, supporter.id)) {
      await sendSignupLink(tx, signup, supporter, now);
      continue;
    }
    await grantNewsletter(tx, supporter, signup, { source: signup.source, ip: signup.ip ?? undefined, userAgent: signup.userAgent ?? undefined });
    await markSignupConfirmed(tx, signup.id, 'payment', now);
  }
}

/** The form's Checkout ended unpaid (expired): its newsletter box is asked about by email (double opt-in). */
export async function askToConfirmSignups(tx: Tx, checkoutSessionId: string, now = clockNow()): Promise<void> {
  for (const signup of await lockSignupsOfCheckout(tx, checkoutSessionId)) {
    const supporter = await currentSupporter(tx, signup.supporterId);
    if (supporter) await sendSignupLink(tx, signup, supporter, now);
  }
}

/** The signup a link stands for while it can still be confirmed (for the page with the button). */
export async function findSignupToConfirm(db: Db, secret: string, signupId: string, token: string, now = clockNow()): Promise<NewsletterSignup | undefined> {
  if (!isSignupToken(secret, signupId, token)) return undefined;
  return findConfirmableSignup(db, signupId, now);
}

/**
 * Confirms a signup from its emailed link (the POST of the button page), once: records the consent with
 * the text shown, the time and the confirming request's IP and user agent. Returns the signup's language,
 * or undefined for a used, expired or forged link.
 */
export async function confirmSignupByLink(db: Db, secret: string, signupId: string, token: string, context: ConsentContext, now = clockNow()): Promise<Locale | undefined> {
  if (!isSignupToken(secret, signupId, token)) return undefined;
  return db.transaction(async (tx) => {
    const signup = await useSignupLink(tx, signupId, now);
    if (!signup) return undefined;
    const supporter = await currentSupporter(tx, signup.supporterId);
    if (supporter) await grantNewsletter(tx, supporter, signup, context);
    return signup.locale;
  });
}
