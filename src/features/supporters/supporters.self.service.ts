import type { Db } from '../../db/client';
import { recordAudit } from '../audit';
import { insertConsent, updateSupporter, type Supporter } from './supporters.repo';
import { consentTextVersion, type ConsentContext } from './supporters.service';
import { now } from '../../lib/clock';

// Changes supporters make themselves on My page. Email stays as it is: it is how they sign in, and a
// change would need the new address confirmed first (staff can change it on request).

export interface OwnProfile {
  familyName: string;
  givenName: string;
  familyNameKana: string;
  givenNameKana: string;
  organisationName: string;
  postalCode: string;
  prefecture: string;
  address: string;
  locale: 'ja' | 'en';
}

export interface OwnPreferences {
  newsletter: boolean;
  postalMail: boolean;
}

/** Saves a supporter's own profile; the audit log records which fields changed (never their values, nor the IP: it can't be erased). */
export async function updateOwnProfile(db: Db, supporter: Supporter, profile: OwnProfile, context: ConsentContext): Promise<string[]> {
  const next = {
    familyName: profile.familyName,
    givenName: profile.givenName,
    familyNameKana: profile.familyNameKana || null,
    givenNameKana: profile.givenNameKana || null,
    organisationName: supporter.kind === 'organisation' ? profile.organisationName || supporter.organisationName : null,
    postalCode: profile.postalCode || null,
    prefecture: profile.prefecture || null,
    address: profile.address || null,
    locale: profile.locale,
  };
  const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => (supporter[k] ?? null) !== (next[k] ?? null));
  if (changed.length === 0) return [];
  await db.transaction(async (tx) => {
    await updateSupporter(tx, supporter.id, { ...next, updatedAt: now() });
    await recordAudit(tx, { action: 'supporter.self_edit', targetType: 'supporter', targetId: supporter.id, detail: { fields: changed, source: context.source } });
  });
  return changed;
}

/**
 * Sets newsletter and postal-mail preferences; each change is a consent event with the exact text
 * the supporter saw (`texts`) and where it came from.
 */
export async function setOwnPreferences(
  db: Db,
  supporter: Supporter,
  wanted: OwnPreferences,
  texts: Record<keyof OwnPreferences, string>,
  context: ConsentContext,
): Promise<(keyof OwnPreferences)[]> {
  const changed = (['newsletter', 'postalMail'] as const).filter((k) => supporter[k] !== wanted[k]);
  if (changed.length === 0) return [];
  await db.transaction(async (tx) => {
    for (const field of changed) {
      const purpose = field === 'newsletter' ? 'newsletter' : 'postal_mail';
      await insertConsent(tx, {
        supporterId: supporter.id,
        purpose,
        granted: wanted[field],
        text: texts[field],
        textVersion: consentTextVersion(purpose, texts[field]),
        source: context.source,
        ip: context.ip ?? null,
        userAgent: context.userAgent?.slice(0, 500) ?? null,
      });
    }
    await updateSupporter(tx, supporter.id, { newsletter: wanted.newsletter, postalMail: wanted.postalMail, updatedAt: now() });
  });
  return changed;
}
