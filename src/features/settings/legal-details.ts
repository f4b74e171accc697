import type { Settings } from '../../../config/organisation';
import { t, type Locale } from '../../lib/i18n';

// The sender's legal details every email, receipt and public page carries: the postal address (所在地)
// and a contact email that reaches someone. Until they are set, the dashboard lists what is missing and
// nothing is sent to supporters in bulk.

export type LegalGap = 'address' | 'contactEmail';

// Domains reserved for examples (RFC 2606, RFC 6761): an address there reaches nobody.
const placeholderDomain = /(^|\.)(example|test|invalid|localhost)$|^example\.(com|net|org)$/i;

/** What is still missing from the sender's legal details, in the order of the settings form. */
export function missingLegalDetails(settings: Settings): LegalGap[] {
  const gaps: LegalGap[] = [];
  if (settings.organisation.address.ja.trim() === '') gaps.push('address');
  const domain = settings.organisation.contactEmail.split('@')[1] ?? '';
  if (domain === '' || placeholderDomain.test(domain)) gaps.push('contactEmail');
  return gaps;
}

/** Whether newsletters and reports may go out: their footer must carry the postal address. */
export function hasPostalAddress(settings: Settings): boolean {
  return !missingLegalDetails(settings).includes('address');
}

const fieldId: Record<LegalGap, string> = { address: 'f-organisation-address-ja', contactEmail: 'f-organisation-contactEmail' };

/** The dashboard's setup checklist: one line per missing detail, linking to its field in settings. */
export function setupChecklist(locale: Locale, settings: Settings): { label: string; href: string }[] {
  return missingLegalDetails(settings).map((gap) => ({ label: t(locale, `settings.checklist.${gap}`), href: `/admin/settings#${fieldId[gap]}` }));
}

/** Where a refused send links to: the address field in settings. */
export const addressSettingsHref = `/admin/settings#${fieldId.address}`;
