import type { Db } from '../../db/client';
import type { EmailEnrichers } from '../emails';
import { displayName, findSupporterById } from '../supporters';
import { LINK_VALID_MINUTES, loginToken } from './login.service';

/** Email enrichers of My page: the sign-in link is derived again from the request id, never stored. */
export function meEmailEnrichers(db: Db, publicUrl: string, secret: string): Pick<EmailEnrichers, 'login-link'> {
  return {
    async 'login-link'({ linkId }, email) {
      const supporter = email.supporterId ? await findSupporterById(db, email.supporterId) : undefined;
      return {
        context: {
          name: supporter ? displayName(supporter, email.locale === 'en' ? 'en' : 'ja') : '',
          linkUrl: `${publicUrl}/me/link/${loginToken(secret, linkId)}`,
          minutes: LINK_VALID_MINUTES,
          meUrl: `${publicUrl}/me`,
        },
      };
    },
  };
}
