import type { AppContext } from './context';
import { annualReportComposer } from './features/annual-reports';
import { cardLinkUrl } from './features/billing';
import type { EmailEnrichers } from './features/emails';
import { givingEmailEnrichers, subscriptionEmailEnrichers } from './features/giving';
import { meEmailEnrichers } from './features/me';
import type { NewsletterComposers } from './features/newsletters';
import { signupEmailEnrichers } from './features/supporters';

// The email list. Every template, its params and its data are in src/lib/email-templates.ts; here each
// template that loads data when it is sent gets its enricher, and each kind of newsletter send other than
// the newsletter itself gets its composer. A template or a kind without one does not compile.

type EmailCtx = Pick<AppContext, 'db' | 'config' | 'sessionSecret' | 'renderEmail'>;

/** Per template: what its email needs at send time, loaded from the ids in its params. */
export function emailEnrichers(ctx: EmailCtx): EmailEnrichers {
  const { db, sessionSecret: secret } = ctx;
  const { publicUrl } = ctx.config;
  const giving = givingEmailEnrichers(db, publicUrl, (id) => cardLinkUrl(publicUrl, secret, id));
  const subscriptions = subscriptionEmailEnrichers(db, publicUrl);
  const me = meEmailEnrichers(db, publicUrl, secret);
  const signups = signupEmailEnrichers(db, publicUrl, secret);
  return {
    // A gift's receipt with its PDF attached (src/features/giving/receipts.ts).
    receipt: giving.receipt,
    welcome: giving.welcome,
    cancelled: giving.cancelled,
    // Confirmations of a plan change, a scheduled stop and its undoing (src/features/giving/subscription-emails.ts).
    'plan-changed': subscriptions['plan-changed'],
    'cancel-scheduled': subscriptions['cancel-scheduled'],
    'cancel-undone': subscriptions['cancel-undone'],
    'already-monthly': giving['already-monthly'],
    'payment-failed': giving['payment-failed'],
    // The sign-in and confirmation links are derived again from the row's id, never stored.
    'login-link': me['login-link'],
    'newsletter-confirm': signups['newsletter-confirm'],
  } satisfies EmailEnrichers;
}

/** Per kind of send: each recipient's message (the newsletter kind's own is in features/newsletters/send.ts). */
export function newsletterComposers(ctx: EmailCtx): NewsletterComposers {
  return {
    // An annual report's send: each recipient's email with their giving and their combined receipt.
    annual_report: annualReportComposer({ db: ctx.db, renderEmail: ctx.renderEmail, publicUrl: ctx.config.publicUrl }),
  } satisfies NewsletterComposers;
}
