import crypto from 'node:crypto';
import type { Tx } from '../../db/client';
import { consentSources } from '../../db/schema';
import { emailKey, normalizeEmailAddress } from '../../lib/email-address';
import type { Locale } from '../../lib/i18n';
import { findSupporterById, followMerges, insertConsent, insertSupporterOrGet, selectStatusFacts, updateSupporter, type Supporter } from './supporters.repo';

export interface SupporterInput {
  kind: 'individual' | 'organisation';
  email: string;
  familyName: string;
  givenName: string;
  familyNameKana?: string;
  givenNameKana?: string;
  organisationName?: string;
  locale: 'ja' | 'en';
}

export { consentSources };
export type ConsentSource = (typeof consentSources)[number];

export interface ConsentContext {
  source: ConsentSource;
  ip?: string;
  userAgent?: string;
}

export interface ConsentGiven {
  purpose: 'privacy_policy' | 'newsletter' | 'postal_mail';
  granted: boolean;
  /** The exact text the person saw next to the checkbox. */
  text: string;
}

/** A version id for a consent text: changes whenever the wording changes. */
export function consentTextVersion(purpose: string, text: string): string {
  return `${purpose}:${crypto.createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

/**
 * Finds the supporter by normalised email or creates one, and records each consent. An existing
 * supporter keeps their stored name and language (a form anyone can send must not change someone's
 * profile; the language changes when newsletter consent is confirmed) but blank fields are filled.
 * Newsletter consent never comes this way: see signups.service.ts (double opt-in).
 */
export async function registerSupporter(tx: Tx, input: SupporterInput, given: (ConsentGiven & { purpose: 'privacy_policy' })[], context: ConsentContext): Promise<Supporter> {
  const { row: stored, isNew } = await insertSupporterOrGet(tx, {
    kind: input.kind,
    email: normalizeEmailAddress(input.email),
    emailNormalized: emailKey(input.email),
    familyName: input.familyName,
    givenName: input.givenName,
    familyNameKana: input.familyNameKana || null,
    givenNameKana: input.givenNameKana || null,
    organisationName: input.organisationName || null,
    locale: input.locale,
  });
  // An email that belonged to a duplicate merged away leads to the supporter it was merged into.
  const row = isNew ? stored : await followMerges(tx, stored);
  if (!isNew) {
    const fill: Partial<Supporter> = {};
    if (!row.familyNameKana && input.familyNameKana) fill.familyNameKana = input.familyNameKana;
    if (!row.givenNameKana && input.givenNameKana) fill.givenNameKana = input.givenNameKana;
    if (!row.organisationName && input.organisationName) fill.organisationName = input.organisationName;
    if (Object.keys(fill).length > 0) await updateSupporter(tx, row.id, fill);
  }
  for (const consent of given) {
    await insertConsent(tx, {
      supporterId: row.id,
      purpose: consent.purpose,
      granted: consent.granted,
      text: consent.text,
      textVersion: consentTextVersion(consent.purpose, consent.text),
      source: context.source,
      ip: context.ip ?? null,
      userAgent: context.userAgent?.slice(0, 500) ?? null,
    });
  }
  return (await findSupporterById(tx, row.id))!;
}

/** Recomputes a supporter's status from their subscriptions and gifts. */
export async function refreshSupporterStatus(tx: Tx, supporterId: string): Promise<Supporter['status']> {
  const facts = await selectStatusFacts(tx, supporterId);
  const status: Supporter['status'] = facts.activeSubscriptions > 0 ? 'monthly' : facts.anySubscriptions > 0 ? 'lapsed' : facts.gifts > 0 ? 'one_time' : 'prospect';
  await updateSupporter(tx, supporterId, { status });
  return status;
}

// Names written in Chinese characters or kana keep their own order (姓 名) in every language.
const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/**
 * The name to print: the organisation name, or the person's name in the reader's order — 姓 名 in
 * Japanese, given name first in English ("Amina Hassan") unless the name is written in kanji or kana.
 */
export function displayName(s: Pick<Supporter, 'kind' | 'organisationName' | 'familyName' | 'givenName'>, locale: Locale = 'ja'): string {
  if (s.kind === 'organisation' && s.organisationName) return s.organisationName;
  const isGivenFirst = locale === 'en' && !cjk.test(`${s.familyName}${s.givenName}`);
  return (isGivenFirst ? `${s.givenName} ${s.familyName}` : `${s.familyName} ${s.givenName}`).trim();
}
