import type { Db, Tx } from '../../db/client';
import { t, type Locale } from '../../lib/i18n';
import { emailKey, normalizeEmailAddress } from '../../lib/email-address';
import { recordAudit } from '../audit';
import { hasWithdrawnNewsletter } from './signups.repo';
import {
  deleteTag,
  findEmailOwner,
  insertNote,
  insertSupporter,
  insertTag,
  listCancellationReasons,
  listConsents,
  listDonations,
  listEmailsSent,
  listMergesInto,
  listNotes,
  listSubscriptionHistory,
  listSubscriptions,
  listTags,
  lockSupporter,
  summariseDonations,
} from './supporters.admin.repo';
import type { ProfileForm } from './supporters.admin.schemas';
import { insertConsent, updateSupporter, type NewSupporter, type Supporter } from './supporters.repo';
import { consentTextVersion } from './supporters.service';

// Use cases of the console's supporter pages. Each change is one transaction with its audit entry.

/** Who is acting, from where, in which language (consent texts are recorded as the staff member saw them). */
export interface StaffAct {
  staffId: string;
  ip?: string;
  userAgent?: string;
  locale: Locale;
}

/** Everything the supporter page shows. */
export async function loadSupporterPage(db: Db, supporter: Supporter) {
  const [consents, subscriptions, history, donations, summary, emails, notes, tags, merges, cancelReasons] = await Promise.all([
    listConsents(db, supporter.id),
    listSubscriptions(db, supporter.id),
    listSubscriptionHistory(db, supporter.id),
    listDonations(db, supporter.id),
    summariseDonations(db, supporter.id),
    listEmailsSent(db, supporter.id),
    listNotes(db, supporter.id),
    listTags(db, supporter.id),
    listMergesInto(db, supporter.id),
    listCancellationReasons(db, supporter.id),
  ]);
  return { consents, subscriptions, history, donations, summary, emails, notes, tags, merges, cancelReasons };
}

/** Records that a staff member opened a supporter's page. */
export async function recordSupporterView(db: Db, supporterId: string, act: StaffAct): Promise<void> {
  await recordAudit(db, { staffId: act.staffId, action: 'supporter.view', targetType: 'supporter', targetId: supporterId, ip: act.ip });
}

/** The profile columns a form sets. */
function profileColumns(form: ProfileForm): Omit<NewSupporter, 'status'> {
  return {
    kind: form.kind,
    email: normalizeEmailAddress(form.email),
    emailNormalized: emailKey(form.email),
    familyName: form.family_name,
    givenName: form.given_name,
    familyNameKana: form.family_name_kana || null,
    givenNameKana: form.given_name_kana || null,
    organisationName: form.kind === 'organisation' ? form.organisation_name : null,
    locale: form.locale,
    postalCode: form.postal_code || null,
    prefecture: form.prefecture || null,
    address: form.address || null,
    phone: form.phone || null,
    newsletter: form.newsletter,
    postalMail: form.postal_mail,
  };
}

const consentLabels = { newsletter: 'supporters.form.newsletter', postalMail: 'supporters.form.postalMail' } as const;

/** Appends a consent row for each toggle that changed, as set by staff (with the reason staff gave, if any). */
async function recordConsentChanges(
  tx: Tx,
  supporterId: string,
  before: { newsletter: boolean; postalMail: boolean },
  after: { newsletter: boolean; postalMail: boolean },
  act: StaffAct,
  reason?: string,
) {
  for (const field of ['newsletter', 'postalMail'] as const) {
    if (before[field] === after[field]) continue;
    const text = t(act.locale, consentLabels[field]);
    const purpose = field === 'newsletter' ? 'newsletter' : 'postal_mail';
    await insertConsent(tx, {
      supporterId,
      purpose,
      granted: after[field],
      text,
      textVersion: consentTextVersion(purpose, text),
      source: 'staff',
      reason: reason || null,
      ip: act.ip ?? null,
      userAgent: act.userAgent?.slice(0, 500) ?? null,
    });
  }
}

export type ProfileResult = { ok: true; id: string } | { ok: false; emailTakenBy: string } | { ok: false; notFound: true } | { ok: false; reasonRequired: true };

/** Saves an edited profile: consent changes go to `consents`, the changed field names to the audit log. */
export async function updateSupporterProfile(db: Db, supporterId: string, form: ProfileForm, act: StaffAct): Promise<ProfileResult> {
  return db.transaction(async (tx) => {
    const current = await lockSupporter(tx, supporterId);
    if (!current || current.mergedIntoId) return { ok: false, notFound: true } as const;
    const next = profileColumns(form);
    const owner = await findEmailOwner(tx, next.emailNormalized);
    if (owner && owner.id !== supporterId) return { ok: false, emailTakenBy: owner.id } as const;
    const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => k !== 'emailNormalized' && (current[k] ?? null) !== (next[k] ?? null));
    if (changed.length === 0) return { ok: true, id: supporterId } as const;
    // Someone who unsubscribed is subscribed again only by themselves (confirmed link, My page) or by
    // staff who write down why (e.g. asked on the phone): the reason goes into the consent record.
    const isResubscribing = !current.newsletter && form.newsletter && (await hasWithdrawnNewsletter(tx, supporterId));
    if (isResubscribing && !form.newsletter_reason) return { ok: false, reasonRequired: true } as const;
    await updateSupporter(tx, supporterId, next);
    await recordConsentChanges(tx, supporterId, current, { newsletter: form.newsletter, postalMail: form.postal_mail }, act, form.newsletter_reason);
    // Which fields changed, never their values: the audit log is read more widely than profiles.
    await recordAudit(tx, { staffId: act.staffId, action: 'supporter.edit', targetType: 'supporter', targetId: supporterId, detail: { fields: changed }, ip: act.ip });
    return { ok: true, id: supporterId } as const;
  });
}

/** Adds a supporter by hand (a prospect until a gift is recorded); consents ticked are recorded as given to staff. */
export async function createSupporterByHand(db: Db, form: ProfileForm, act: StaffAct): Promise<ProfileResult> {
  return db.transaction(async (tx) => {
    const columns = profileColumns(form);
    const owner = await findEmailOwner(tx, columns.emailNormalized);
    if (owner) return { ok: false, emailTakenBy: owner.id } as const;
    const created = await insertSupporter(tx, { ...columns, status: 'prospect' });
    await recordConsentChanges(tx, created.id, { newsletter: false, postalMail: false }, { newsletter: form.newsletter, postalMail: form.postal_mail }, act);
    await recordAudit(tx, { staffId: act.staffId, action: 'supporter.create', targetType: 'supporter', targetId: created.id, ip: act.ip });
    return { ok: true, id: created.id } as const;
  });
}

/** Adds a note to the timeline. */
export async function addSupporterNote(db: Db, supporterId: string, body: string, act: StaffAct): Promise<void> {
  await db.transaction(async (tx) => {
    await insertNote(tx, supporterId, act.staffId, body);
    await recordAudit(tx, { staffId: act.staffId, action: 'supporter.note', targetType: 'supporter', targetId: supporterId, ip: act.ip });
  });
}

/** Puts a tag on a supporter (once) or takes it off. */
export async function changeSupporterTag(db: Db, supporterId: string, tag: string, change: 'add' | 'remove', act: StaffAct): Promise<void> {
  await db.transaction(async (tx) => {
    const changed = change === 'add' ? await insertTag(tx, supporterId, tag) : await deleteTag(tx, supporterId, tag);
    if (changed) await recordAudit(tx, { staffId: act.staffId, action: `supporter.tag_${change}`, targetType: 'supporter', targetId: supporterId, detail: { tag }, ip: act.ip });
  });
}
