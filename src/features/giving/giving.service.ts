import type { Db } from '../../db/client';
import { t, type Locale } from '../../lib/i18n';
import type { StripeGateway, PlanAmount } from '../billing';
import { countMonthlySupporters, linkStripeCustomer, registerSupporter, displayName, type ConsentContext, type Supporter } from '../supporters';
import { findSubscriptionsOf, insertCheckoutSession } from './ledger.repo';
import type { GiveForm, JoinForm } from './giving.schemas';

export interface CheckoutDeps {
  db: Db;
  gateway: StripeGateway;
  publicUrl: string;
}

/** Thrown when someone who already gives monthly tries to join again. */
export class AlreadyMonthly extends Error {}

/** The consents the forms ask for, with the exact label text shown in the form's language. */
function consentsFrom(form: { newsletter: boolean; locale: Locale }) {
  return [
    { purpose: 'privacy_policy' as const, granted: true, text: t(form.locale, 'giving.form.privacy') },
    ...(form.newsletter ? [{ purpose: 'newsletter' as const, granted: true, text: t(form.locale, 'giving.form.newsletter') }] : []),
  ];
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

/** Join WELgee Family: supporter + consents, Stripe customer, then a subscription Checkout URL. */
export async function startMonthlyCheckout(deps: CheckoutDeps, form: JoinForm, context: ConsentContext): Promise<string> {
  const supporter = await deps.db.transaction((tx) => registerSupporter(tx, supporterInput(form), consentsFrom(form), context));
  return startMonthlyCheckoutFor(deps, supporter, form.plan as PlanAmount, form.locale);
}

/** A subscription Checkout URL for a known supporter (joining, or starting again from My page). */
export async function startMonthlyCheckoutFor(deps: CheckoutDeps, supporter: Supporter, plan: PlanAmount, locale: Locale, cancelUrl = `${deps.publicUrl}/family?lang=${locale}`): Promise<string> {
  const current = await findSubscriptionsOf(deps.db, supporter.id);
  if (current.some((s) => ['active', 'past_due', 'trialing'].includes(s.status))) throw new AlreadyMonthly();
  const customerId = await ensureCustomer(deps, supporter);
  const session = await deps.gateway.createSubscriptionCheckout({
    customerId,
    supporterId: supporter.id,
    locale,
    priceId: await deps.gateway.priceIdFor(plan),
    successUrl: thanksUrl(deps, '/family/thanks', locale),
    cancelUrl,
  });
  await insertCheckoutSession(deps.db, { id: session.id, supporterId: supporter.id, mode: 'subscription', amount: plan, locale });
  return session.url!;
}

/** A one-time gift: supporter + consents, Stripe customer, then a payment Checkout URL. */
export async function startGiftCheckout(deps: CheckoutDeps, form: GiveForm, context: ConsentContext): Promise<string> {
  const supporter = await deps.db.transaction((tx) => registerSupporter(tx, supporterInput(form), consentsFrom(form), context));
  return startGiftCheckoutFor(deps, supporter, form.amount, form.locale);
}

/** A payment Checkout URL for a known supporter's one-time gift of `amount` yen. */
export async function startGiftCheckoutFor(deps: CheckoutDeps, supporter: Supporter, amount: number, locale: Locale, cancelUrl = `${deps.publicUrl}/give?lang=${locale}`): Promise<string> {
  const customerId = await ensureCustomer(deps, supporter);
  const session = await deps.gateway.createDonationCheckout({
    customerId,
    supporterId: supporter.id,
    locale,
    amount,
    productName: t(locale, 'giving.give.productName'),
    successUrl: thanksUrl(deps, '/give/thanks', locale),
    cancelUrl,
  });
  await insertCheckoutSession(deps.db, { id: session.id, supporterId: supporter.id, mode: 'payment', amount, locale });
  return session.url!;
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
