import type { Db } from '../../db/client';
import type { EmailEnrichers } from '../emails';
import { findSupporterById } from './supporters.repo';
import { displayName } from './supporters.service';
import { SIGNUP_LINK_DAYS, signupToken } from './signups.service';

/** The newsletter confirmation link, derived again from the signup id when the email is rendered. */
export function signupEmailEnrichers(db: Db, publicUrl: string, secret: string): Pick<EmailEnrichers, 'newsletter-confirm'> {
  return {
    async 'newsletter-confirm'({ signupId }, email) {
      const supporter = email.supporterId ? await findSupporterById(db, email.supporterId) : undefined;
      return {
        context: {
          name: supporter ? displayName(supporter, email.locale === 'en' ? 'en' : 'ja') : '',
          linkUrl: `${publicUrl}/family/newsletter/confirm/${signupId}/${signupToken(secret, signupId)}`,
          days: SIGNUP_LINK_DAYS,
        },
      };
    },
  };
}
