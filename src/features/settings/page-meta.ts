import type { Settings } from '../../../config/organisation';
import { pick, type Locale } from '../../lib/i18n';

// What a shared link shows (Open Graph and Twitter cards) and what search results quote (description).

export interface PageMeta {
  url: string;
  description: string;
  image?: string;
  locale: 'ja_JP' | 'en_US';
  alternateLocale: 'ja_JP' | 'en_US';
}

const MAX_DESCRIPTION = 160;

/** One line of at most 160 characters, cut at a character boundary with an ellipsis. */
export function shortDescription(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const chars = [...line];
  return chars.length <= MAX_DESCRIPTION ? line : `${chars.slice(0, MAX_DESCRIPTION - 1).join('')}…`;
}

/**
 * The page's canonical URL (PUBLIC_URL, the path, and ?lang=en for English), the organisation's tagline
 * as the default description, and the uploaded link-preview image's cacheable URL.
 */
export function pageMeta(publicUrl: string, path: string, locale: Locale, settings: Settings, ogImageHash: string | undefined): PageMeta {
  const base = publicUrl.replace(/\/$/, '');
  return {
    url: `${base}${path}${locale === 'en' ? '?lang=en' : ''}`,
    description: shortDescription(pick(settings.organisation.tagline, locale)),
    image: ogImageHash ? `${base}/media/og-image/${ogImageHash}` : undefined,
    locale: locale === 'en' ? 'en_US' : 'ja_JP',
    alternateLocale: locale === 'en' ? 'ja_JP' : 'en_US',
  };
}
