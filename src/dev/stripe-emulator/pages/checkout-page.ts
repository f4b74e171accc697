import type Stripe from 'stripe';
import { TEST_CARD_HINTS } from '../cards';
import { stringsFor, type Lang, type Strings } from './i18n';
import { esc, formatMoney, layout } from './layout';

export type CheckoutField = 'email' | 'card_number' | 'card_expiry' | 'card_cvc' | 'cardholder_name';

/** What the checkout page shows. */
export interface CheckoutView {
  lang: Lang;
  session: Stripe.Checkout.Session;
  merchant: string;
  lines: { name: string; quantity: number; amount: number; interval: string | null }[];
  values: Partial<Record<CheckoutField, string>>;
  error?: { message: string; field?: CheckoutField };
}

/** "/ 月" or "/ month" for a recurring interval. */
export function perInterval(t: Strings, interval: string | null): string {
  switch (interval) {
    case 'month':
      return t.perMonth;
    case 'year':
      return t.perYear;
    case 'week':
      return t.perWeek;
    case 'day':
      return t.perDay;
    default:
      return '';
  }
}

function input(view: CheckoutView, field: CheckoutField, label: string, attrs: string): string {
  const invalid = view.error?.field === field;
  return `<div class="field"><label for="${field}">${esc(label)}</label><input id="${field}" name="${field}" ${attrs} value="${esc(view.values[field] ?? '')}"${invalid ? ' aria-invalid="true" aria-describedby="form-error"' : ''}></div>`;
}

function submitLabel(t: Strings, session: Stripe.Checkout.Session): string {
  if (session.mode === 'subscription') return t.subscribe;
  if (session.submit_type === 'donate') return t.donate;
  return t.pay;
}

/** The hosted checkout page: order summary, email, card and the pay button. */
export function renderCheckoutPage(view: CheckoutView): string {
  const t = stringsFor(view.lang);
  const { session } = view;
  const currency = session.currency ?? 'jpy';
  const first = view.lines[0];
  const name = view.lines.length === 1 && first ? first.name : view.merchant;
  const heading = session.mode === 'subscription' ? t.subscribeTo(name) : name;
  const interval = first?.interval ?? null;
  const total = formatMoney(session.amount_total ?? 0, currency, view.lang);
  const back = session.cancel_url ? `<a class="back" href="${esc(session.cancel_url)}" aria-label="${esc(t.back)}"><span aria-hidden="true">←</span> ${esc(t.back)}</a>` : '';
  const lines = view.lines
    .map(
      (l) =>
        `<li><span>${esc(l.name)}${l.quantity > 1 ? `<small>${esc(t.quantity(l.quantity))}</small>` : ''}</span><span>${esc(formatMoney(l.amount, currency, view.lang))}${l.interval ? ` ${esc(perInterval(t, l.interval))}` : ''}</span></li>`,
    )
    .join('');
  const hints = TEST_CARD_HINTS.map((c) => `<li><code>${c.number}</code> ${esc(t.cardBehaviour[c.behaviour])}</li>`).join('');
  const error = view.error ? `<div class="alert error" id="form-error" role="alert">${esc(view.error.message)}</div>` : '';

  const body = `
<section class="summary" aria-label="${esc(heading)}">
  <div class="inner">
    <div class="merchant">${back}<span class="logo" aria-hidden="true">${esc(view.merchant.slice(0, 1).toUpperCase())}</span><span>${esc(view.merchant)}</span><span class="badge">${esc(t.testMode)}</span></div>
    <p class="what">${esc(heading)}</p>
    <p class="amount">${esc(total)}${interval ? ` <span class="per">${esc(perInterval(t, interval))}</span>` : ''}</p>
    <ul class="lines">${lines}</ul>
    <div class="total"><span>${esc(t.dueToday)}</span><span>${esc(total)}</span></div>
  </div>
</section>
<main class="pay">
  <div class="inner">
    <form method="post" action="/checkout/${esc(session.id)}">
      <h1>${esc(t.payWithCard)}</h1>
      ${error}
      ${input(view, 'email', t.email, 'type="email" autocomplete="email" required')}
      <fieldset>
        <legend>${esc(t.cardInfo)}</legend>
        ${input(view, 'card_number', t.cardNumber, 'type="text" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" required')}
        <div class="row">
          ${input(view, 'card_expiry', t.expiry, 'type="text" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" required')}
          ${input(view, 'card_cvc', t.cvc, 'type="text" inputmode="numeric" autocomplete="cc-csc" placeholder="123" required')}
        </div>
      </fieldset>
      ${input(view, 'cardholder_name', t.cardholder, 'type="text" autocomplete="cc-name" required')}
      <button type="submit">${esc(submitLabel(t, session))}</button>
      ${session.mode === 'subscription' ? `<p class="note">${esc(t.recurringNote(`${total} ${perInterval(t, interval)}`))}</p>` : ''}
    </form>
    <aside class="hint" aria-labelledby="test-cards">
      <h2 id="test-cards">${esc(t.testCards)}</h2>
      <ul>${hints}</ul>
      <p>${esc(t.testCardHint)}</p>
    </aside>
  </div>
</main>`;
  return layout({ lang: view.lang, title: `${heading} – ${view.merchant}`, body, split: true });
}

/** The page for a session that can no longer be paid (complete or expired). */
export function renderClosedCheckout(lang: Lang, session: Stripe.Checkout.Session, merchant: string): string {
  const t = stringsFor(lang);
  const complete = session.status === 'complete';
  const next = complete ? (session.success_url ?? '').replace(/\{CHECKOUT_SESSION_ID\}/g, session.id) : session.cancel_url;
  const body = `
<main class="pay"><div class="inner">
  <div class="merchant"><span class="logo" aria-hidden="true">${esc(merchant.slice(0, 1).toUpperCase())}</span><span>${esc(merchant)}</span><span class="badge">${esc(t.testMode)}</span></div>
  <h1>${esc(complete ? t.completeTitle : t.expiredTitle)}</h1>
  <p>${esc(complete ? t.completeBody : t.expiredBody)}</p>
  ${next ? `<a class="button" href="${esc(next)}">${esc(t.continue)}</a>` : ''}
</div></main>`;
  return layout({ lang, title: complete ? t.completeTitle : t.expiredTitle, body });
}
