import type { Db, Tx } from '../../db/client';
import { now } from '../../lib/clock';
import { tokyoDay } from '../../lib/dates';
import { t, type Locale } from '../../lib/i18n';
import type { StripeGateway, PlanAmount } from '../billing';
import { queueEmail } from '../emails';
import { countMonthlySupporters, linkStripeCustomer, registerSupporter, requestNewsletterSignup, displayName, type ConsentContext, type Supporter } from '../supporters';
import { findSubscriptionsOf, insertCheckoutSession } from './ledger.repo';
import type { GiveForm, JoinForm } from './giving.schemas';

export interface CheckoutDeps {
  db: Db;
  gateway: StripeGateway;
  publicUrl: string;
}

/** The part of a Stripe Checkout Session this file uses. */
type CheckoutSession = { id: string; url: string | null };

/** Thrown when a signed-in supporter who already gives monthly starts monthly giving again (My page). */
export class AlreadyMonthly extends Error {}

/** A subscription that is giving now (or about to): someone with one is a monthly donor. */
export const isCurrentSubscription = (status: string) => ['active', 'past_due', 'trialing'].includes(status);

/**
 * The consent the forms record at once: the privacy policy (required to send the form). The newsletter
 * box is only a request until its payment arrives or the person confirms it by email (double opt-in).
 */
function consentsFrom(form: { locale: Locale }) {
  return [{ purpose: 'privacy_policy' as const, granted: true, text: t(form.locale, 'giving.form.privacy') }];
}

/** After a form's Checkout Session is created: remember it, and the newsletter box if ticked. */
async function recordFormCheckout(
  tx: Tx,
  supporter: Supporter,
  session: CheckoutSession,
  row: { mode: 'subscription' | 'payment'; amount: number },
  form: { newsletter: boolean; locale: Locale },
  context: ConsentContext,
) {
  await insertCheckoutSession(tx, { id: session.id, supporterId: supporter.id, mode: row.mode, amount: row.amount, locale: form.locale });
  if (form.newsletter && !supporter.newsletter) {
    await requestNewsletterSignup(tx, { supporterId: supporter.id, locale: form.locale, text: t(form.locale, 'giving.form.newsletter'), checkoutSessionId: session.id }, context);
  }
}

function supporterInput(form: JoinForm | GiveForm) {
  return {
    kind: form.kind,
    email: form.email,
    familyName: form.family_name,
    givenName: form.given_name,
    familyNameKana: form.family_name_kana,
    givenNameKana: form.given_name_kana,
    organisationName: form.kind === 'organisation' ? form.organisation_name : undefined,
    locale: form.locale,
  };
}

/** One Stripe customer per supporter, created outside any transaction and linked afterwards. */
async function ensureCustomer(deps: CheckoutDeps, supporter: Supporter): Promise<string> {
  if (supporter.stripeCustomerId) return supporter.stripeCustomerId;
  const customerId = await deps.gateway.createCustomer({ supporterId: supporter.id, email: supporter.email, name: displayName(supporter), locale: supporter.locale });
  return deps.db.transaction((tx) => linkStripeCustomer(tx, supporter.id, customerId));
}

const thanksUrl = (deps: CheckoutDeps, path: string, locale: Locale) => `${deps.publicUrl}${path}?session_id={CHECKOUT_SESSION_ID}&lang=${locale}`;

/**
 * Join WELgee Family: supporter + privacy consent, Stripe customer, then a subscription Checkout URL.
 *
 * The answer never tells whether the address already gives monthly: that would let anyone find out who
 * the NPO's donors are. Like the donation platforms that handle this well, every valid form goes the same
 * way, straight on to Checkout, so a new supporter's path is as short as before; what differs goes to the
 * address's own mailbox. A current monthly donor also gets an email saying they already give, with
 * My page and a Billing Portal link to change their amount or card, and that completing the payment page
 * would start a second, separate monthly gift. A donor's join does the same work as any returning
 * supporter's (same queries, same Stripe calls, one more row: the email). Only an address never seen
 * before costs one more Stripe call (its customer is created): that tells "new to us", never "gives
 * monthly", and the first probe itself makes the address known.
 */
export async function startMonthlyCheckout(deps: CheckoutDeps, form: JoinForm, context: ConsentContext): Promise<string> {
  const supporter = await deps.db.transaction((tx) => registerSupporter(tx, supporterInput(form), consentsFrom(form), context));
  const isMonthly = (await findSubscriptionsOf(deps.db, supporter.id)).some((s) => isCurrentSubscription(s.status));
  const plan = form.plan as PlanAmount;
  const session = await createMonthlySession(deps, supporter, plan, form.locale, `${deps.publicUrl}/family?lang=${form.locale}`);
  await deps.db.transaction(async (tx) => {
    await recordFormCheckout(tx, supporter, session, { mode: 'subscription', amount: plan }, form, context);
    if (isMonthly) {
      // At most one a day (Japan): anyone can send the form with a donor's address, over and over.
      const dedupeKey = `already-monthly:${supporter.id}:${tokyoDay(now())}`;
      await queueEmail(tx, { template: 'already-monthly', to: supporter.email, locale: supporter.locale, supporterId: supporter.id, params: { plan }, dedupeKey });
    }
  });
  return session.url!;
}

async function createMonthlySession(deps: CheckoutDeps, supporter: Supporter, plan: PlanAmount, locale: Locale, cancelUrl: string): Promise<CheckoutSession> {
  const customerId = await ensureCustomer(deps, supporter);
  return deps.gateway.createSubscriptionCheckout({
    customerId,
    supporterId: supporter.id,
    locale,
    priceId: await deps.gateway.priceIdFor(plan),
    successUrl: thanksUrl(deps, '/family/thanks', locale),
    cancelUrl,
  });
}

/** A subscription Checkout URL for a signed-in supporter starting again from My page (refused while they give monthly). */
export async function startMonthlyCheckoutFor(
  deps: CheckoutDeps,
  supporter: Supporter,
  plan: PlanAmount,
  locale: Locale,
  cancelUrl = `${deps.publicUrl}/family?lang=${locale}`,
): Promise<string> {
  const current = await findSubscriptionsOf(deps.db, supporter.id);
  if (current.some((s) => isCurrentSubscription(s.status))) throw new AlreadyMonthly();
  const session = await createMonthlySession(deps, supporter, plan, locale, cancelUrl);
  await insertCheckoutSession(deps.db, { id: session.id, supporterId: supporter.id, mode: 'subscription', amount: plan, locale });
  return session.url!;
}

/** A one-time gift: supporter + consents, Stripe customer, then a payment Checkout URL. */
export async function startGiftCheckout(deps: CheckoutDeps, form: GiveForm, context: ConsentContext): Promise<string> {
  const supporter = await deps.db.transaction((tx) => registerSupporter(tx, supporterInput(form), consentsFrom(form), context));
  const session = await createGiftSession(deps, supporter, form.amount, form.locale, `${deps.publicUrl}/give?lang=${form.locale}`);
  await deps.db.transaction((tx) => recordFormCheckout(tx, supporter, session, { mode: 'payment', amount: form.amount }, form, context));
  return session.url!;
}

/** A payment Checkout URL for a known supporter's one-time gift of `amount` yen. */
export async function startGiftCheckoutFor(
  deps: CheckoutDeps,
  supporter: Supporter,
  amount: number,
  locale: Locale,
  cancelUrl = `${deps.publicUrl}/give?lang=${locale}`,
): Promise<string> {
  const session = await createGiftSession(deps, supporter, amount, locale, cancelUrl);
  await insertCheckoutSession(deps.db, { id: session.id, supporterId: supporter.id, mode: 'payment', amount, locale });
  return session.url!;
}

async function createGiftSession(deps: CheckoutDeps, supporter: Supporter, amount: number, locale: Locale, cancelUrl: string): Promise<CheckoutSession> {
  const customerId = await ensureCustomer(deps, supporter);
  return deps.gateway.createDonationCheckout({
    customerId,
    supporterId: supporter.id,
    locale,
    amount,
    productName: t(locale, 'giving.give.productName'),
    successUrl: thanksUrl(deps, '/give/thanks', locale),
    cancelUrl,
  });
}

/**
 * The live number of monthly supporters, refreshed in the background at most every ttlMs: the
 * join page never waits on a count query (except the very first time).
 */
export function createSupporterCounter(db: Db, ttlMs = 10_000) {
  let value: number | undefined;
  let fetchedAt = 0;
  let refreshing: Promise<number> | undefined;
  const refresh = () =>
    (refreshing ??= countMonthlySupporters(db)
      .then((n) => {
        value = n;
        fetchedAt = Date.now();
        return n;
      })
      .finally(() => (refreshing = undefined)));
  return {
    async get(): Promise<number> {
      if (value === undefined) return refresh();
      if (Date.now() - fetchedAt > ttlMs) void refresh().catch(() => undefined);
      return value;
    },
    invalidate() {
      fetchedAt = 0;
    },
  };
}
export type SupporterCounter = ReturnType<typeof createSupporterCounter>;
