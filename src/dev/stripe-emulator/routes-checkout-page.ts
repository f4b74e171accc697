import type Stripe from 'stripe';
import { merchantName, productOf } from './billing';
import { expireIfDue, payCheckoutSession, type CheckoutResult } from './checkout';
import { html, redirect, type Router } from './http';
import { renderCheckoutPage, renderClosedCheckout, type CheckoutField, type CheckoutView } from './pages/checkout-page';
import { stringsFor, type Lang } from './pages/i18n';
import { esc, layout } from './pages/layout';
import type { Params } from './params';
import type { Store } from './store';

/** The first string among form fields with any of these names (the pages' names first, then short aliases). */
export function formValue(input: Params, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = input[name];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/** Card fields of a hosted form. */
export function cardForm(input: Params): Record<CheckoutField, string | undefined> {
  return {
    email: formValue(input, 'email'),
    card_number: formValue(input, 'card_number', 'cardNumber', 'card', 'number'),
    card_expiry: formValue(input, 'card_expiry', 'expiry', 'exp'),
    card_cvc: formValue(input, 'card_cvc', 'cvc'),
    cardholder_name: formValue(input, 'cardholder_name', 'name'),
  };
}

/** The field a card problem points at. */
export function fieldOf(problem: string): CheckoutField | undefined {
  const fields: Record<string, CheckoutField> = {
    invalid_number: 'card_number',
    declined: 'card_number',
    invalid_expiry: 'card_expiry',
    expired: 'card_expiry',
    invalid_cvc: 'card_cvc',
    missing_email: 'email',
  };
  return fields[problem];
}

/** A plain "not found" page. */
export function notFoundPage(lang: Lang): string {
  const t = stringsFor(lang);
  return layout({ lang, title: t.notFound, body: `<main class="pay"><div class="inner"><h1>${esc(t.notFound)}</h1></div></main>` });
}

function langOf(session: Stripe.Checkout.Session): Lang {
  return session.locale === 'ja' ? 'ja' : 'en';
}

function viewOf(store: Store, session: Stripe.Checkout.Session, values: CheckoutView['values'], error?: CheckoutView['error']): CheckoutView {
  const items = store.state.sessionLineItems[session.id] ?? [];
  const firstPrice = items[0]?.price;
  return {
    lang: langOf(session),
    session,
    merchant: merchantName(firstPrice ? productOf(store, firstPrice) : undefined),
    lines: items.map((item) => ({
      name: item.description ?? '',
      quantity: item.quantity ?? 1,
      amount: item.amount_total,
      interval: item.price?.recurring?.interval ?? null,
    })),
    values,
    ...(error ? { error } : {}),
  };
}

function merchantOf(store: Store, session: Stripe.Checkout.Session): string {
  const price = store.state.sessionLineItems[session.id]?.[0]?.price;
  return merchantName(price ? productOf(store, price) : undefined);
}

/** Mounts the hosted checkout page: GET shows it, POST pays like the real form. */
export function mountCheckoutPages(router: Router, store: Store): void {
  router.page('GET', '/checkout/:id', ({ params }) => {
    const session = store.state.checkoutSessions[params.id!];
    if (!session) return html(notFoundPage('en'), 404);
    expireIfDue(store, session);
    if (session.status !== 'open') return html(renderClosedCheckout(langOf(session), session, merchantOf(store, session)));
    const customer = session.customer ? store.state.customers[String(session.customer)] : undefined;
    const email = customer?.email ?? session.customer_email ?? '';
    return html(renderCheckoutPage(viewOf(store, session, { email, cardholder_name: customer?.name ?? '' })));
  });

  router.page('POST', '/checkout/:id', ({ params, input }) => {
    const session = store.state.checkoutSessions[params.id!];
    if (!session) return html(notFoundPage('en'), 404);
    const form = cardForm(input);
    const result: CheckoutResult = payCheckoutSession(store, session.id, {
      card: {
        number: form.card_number ?? '',
        ...(form.card_expiry !== undefined ? { expiry: form.card_expiry } : {}),
        ...(form.card_cvc !== undefined ? { cvc: form.card_cvc } : {}),
      },
      ...(form.email !== undefined ? { email: form.email } : {}),
      ...(form.cardholder_name !== undefined ? { name: form.cardholder_name } : {}),
    });
    if (result.ok) return redirect(result.redirectUrl);
    if (result.problem === 'not_open') return html(renderClosedCheckout(langOf(session), session, merchantOf(store, session)), 409);
    const t = stringsFor(langOf(session));
    const values = { email: form.email ?? '', card_number: form.card_number ?? '', card_expiry: form.card_expiry ?? '', cardholder_name: form.cardholder_name ?? '' };
    const field = fieldOf(result.problem);
    return html(renderCheckoutPage(viewOf(store, session, values, { message: t.errors[result.problem], ...(field ? { field } : {}) })), result.status);
  });
}
