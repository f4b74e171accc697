import { perInterval } from './checkout-page';
import { stringsFor, type Lang, type Strings } from './i18n';
import { esc, formatDate, formatMoney, layout } from './layout';

/** One subscription as the portal shows it. */
export interface PortalSubscription {
  id: string;
  productName: string;
  nickname: string | null;
  amount: number;
  currency: string;
  interval: string | null;
  status: string;
  cancelAtPeriodEnd: boolean;
  periodEnd: number;
  /** Prices the person may switch to (the current one included). */
  choices: { id: string; label: string; amount: number; interval: string | null; current: boolean }[];
}

/** What the portal page shows. */
export interface PortalView {
  lang: Lang;
  sessionId: string;
  merchant: string;
  returnUrl: string | null;
  subscriptions: PortalSubscription[];
  card: { brand: string; last4: string; expMonth: number; expYear: number } | null;
  invoices: { id: string; created: number; amount: number; currency: string; status: string }[];
  features: { update: boolean; cancel: boolean; card: boolean; invoices: boolean };
  notice?: string;
  error?: { message: string; field?: string };
  cardValues?: Record<string, string>;
}

function header(t: Strings, merchant: string, returnUrl: string | null): string {
  const back = returnUrl ? `<a class="back" href="${esc(returnUrl)}"><span aria-hidden="true">←</span> ${esc(t.returnTo(merchant))}</a>` : '';
  return `<div class="merchant">${back}<span class="badge">${esc(t.testMode)}</span></div>`;
}

function cardLabel(card: NonNullable<PortalView['card']>): string {
  return `${card.brand.charAt(0).toUpperCase()}${card.brand.slice(1)} •••• ${card.last4}`;
}

function subscriptionBlock(view: PortalView, t: Strings, sub: PortalSubscription): string {
  const base = `/portal/${esc(view.sessionId)}/subscriptions/${esc(sub.id)}`;
  const money = (amount: number, interval: string | null) => `${formatMoney(amount, sub.currency, view.lang)} ${perInterval(t, interval)}`.trim();
  const live = sub.status !== 'canceled';
  const rows = [
    `<dt>${esc(t.status)}</dt><dd>${esc(t.statuses[sub.status] ?? sub.status)}</dd>`,
    live && !sub.cancelAtPeriodEnd ? `<dt>${esc(t.nextPayment)}</dt><dd>${esc(formatDate(sub.periodEnd, view.lang))}</dd>` : '',
    view.card ? `<dt>${esc(t.card)}</dt><dd>${esc(cardLabel(view.card))}</dd>` : '',
  ].join('');
  let actions = '';
  if (live && sub.cancelAtPeriodEnd) {
    actions = `<div class="alert warn">${esc(t.cancelsOn(formatDate(sub.periodEnd, view.lang)))}</div>
<form method="post" action="${base}/resume"><button type="submit" class="secondary">${esc(t.undoCancel)}</button></form>`;
  } else if (live) {
    const choices =
      sub.choices.length > 1 && view.features.update
        ? `<form method="post" action="${base}/price"><fieldset><legend>${esc(t.changePlan)}</legend><div class="choices">${sub.choices
            .map(
              (c, i) =>
                `<label class="choice" for="price-${esc(sub.id)}-${i}"><input type="radio" id="price-${esc(sub.id)}-${i}" name="price" value="${esc(c.id)}"${c.current ? ' checked' : ''}> <span>${esc(money(c.amount, c.interval))}${c.label ? ` · ${esc(c.label)}` : ''}${c.current ? esc(t.currentMarker) : ''}</span></label>`,
            )
            .join('')}</div><button type="submit">${esc(t.changePlanButton)}</button><p class="note">${esc(t.changeAppliesNext)}</p></fieldset></form>`
        : '';
    const cancel = view.features.cancel ? `<a class="button secondary" href="${base}/cancel">${esc(t.cancelPlan)}</a>` : '';
    actions = `<div class="actions">${choices}${cancel}</div>`;
  }
  return `<div class="card-box">
  <h3>${esc(sub.productName)}</h3>
  <p class="amount">${esc(formatMoney(sub.amount, sub.currency, view.lang))} <span class="per">${esc(perInterval(t, sub.interval))}</span></p>
  ${sub.nickname ? `<p class="what">${esc(sub.nickname)}</p>` : ''}
  <dl>${rows}</dl>
  ${actions}
</div>`;
}

function cardForm(view: PortalView, t: Strings): string {
  const v = view.cardValues ?? {};
  const field = (name: string, label: string, attrs: string) =>
    `<div class="field"><label for="${name}">${esc(label)}</label><input id="${name}" name="${name}" ${attrs} value="${esc(v[name] ?? '')}"${view.error?.field === name ? ' aria-invalid="true" aria-describedby="card-error"' : ''}></div>`;
  return `<form method="post" action="/portal/${esc(view.sessionId)}/card">
  <fieldset><legend>${esc(t.newCard)}</legend>
  ${view.error ? `<div class="alert error" id="card-error" role="alert">${esc(view.error.message)}</div>` : ''}
  ${field('card_number', t.cardNumber, 'type="text" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" required')}
  <div class="row">${field('card_expiry', t.expiry, 'type="text" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" required')}${field('card_cvc', t.cvc, 'type="text" inputmode="numeric" autocomplete="cc-csc" placeholder="123" required')}</div>
  </fieldset>
  ${field('cardholder_name', t.cardholder, 'type="text" autocomplete="cc-name"')}
  <button type="submit">${esc(t.updateCard)}</button>
</form>`;
}

/** The customer portal: plans (switch, cancel), card on file (update) and invoice history. */
export function renderPortalPage(view: PortalView): string {
  const t = stringsFor(view.lang);
  const pastDue = view.subscriptions.some((s) => s.status === 'past_due');
  const subs = view.subscriptions.length ? view.subscriptions.map((s) => subscriptionBlock(view, t, s)).join('') : `<p>${esc(t.noSubscriptions)}</p>`;
  const card = view.card
    ? `<p><strong>${esc(cardLabel(view.card))}</strong><br><span class="what">${esc(t.expires(String(view.card.expMonth).padStart(2, '0'), String(view.card.expYear).slice(-2)))}</span></p>`
    : `<p>${esc(t.noCard)}</p>`;
  const invoices = view.invoices
    .map(
      (i) =>
        `<li><span>${esc(formatDate(i.created, view.lang))}</span><span>${esc(formatMoney(i.amount, i.currency, view.lang))}</span><span>${esc(t.invoiceStatuses[i.status] ?? i.status)}</span></li>`,
    )
    .join('');
  const body = `
<main class="pay"><div class="inner">
  ${header(t, view.merchant, view.returnUrl)}
  <h1>${esc(t.portalTitle)}</h1>
  ${view.notice ? `<div class="alert ok" role="status">${esc(view.notice)}</div>` : ''}
  ${pastDue ? `<div class="alert warn" role="alert">${esc(t.pastDueNotice)}</div>` : ''}
  <section aria-labelledby="plans"><h2 id="plans">${esc(t.currentPlan)}</h2>${subs}</section>
  ${view.features.card ? `<section aria-labelledby="pm"><h2 id="pm">${esc(t.paymentMethod)}</h2>${card}${cardForm(view, t)}</section>` : ''}
  ${view.features.invoices && invoices ? `<section aria-labelledby="history"><h2 id="history">${esc(t.invoiceHistory)}</h2><ul class="invoices">${invoices}</ul></section>` : ''}
</div></main>`;
  return layout({ lang: view.lang, title: `${t.portalTitle} – ${view.merchant}`, body });
}

/** The confirmation step before cancelling at the end of the period. */
export function renderCancelConfirm(view: { lang: Lang; sessionId: string; merchant: string; returnUrl: string | null; sub: PortalSubscription; reasons: string[] }): string {
  const t = stringsFor(view.lang);
  const base = `/portal/${esc(view.sessionId)}`;
  const reasons = view.reasons.length
    ? `<div class="field"><label for="reason">${esc(t.cancelReason)}</label><select id="reason" name="reason"><option value=""></option>${view.reasons
        .map((r) => `<option value="${esc(r)}">${esc(t.reasons[r] ?? r)}</option>`)
        .join('')}</select></div>`
    : '';
  const body = `
<main class="pay"><div class="inner">
  ${header(t, view.merchant, view.returnUrl)}
  <h1>${esc(t.cancelConfirmTitle)}</h1>
  <div class="card-box"><h3>${esc(view.sub.productName)}</h3><p class="amount">${esc(formatMoney(view.sub.amount, view.sub.currency, view.lang))} <span class="per">${esc(perInterval(t, view.sub.interval))}</span></p></div>
  <p>${esc(t.cancelConfirmBody(formatDate(view.sub.periodEnd, view.lang)))}</p>
  <form method="post" action="${base}/subscriptions/${esc(view.sub.id)}/cancel" class="actions">
    ${reasons}
    <button type="submit" class="danger">${esc(t.confirmCancel)}</button>
    <a class="button secondary" href="${base}">${esc(t.keepPlan)}</a>
  </form>
</div></main>`;
  return layout({ lang: view.lang, title: t.cancelConfirmTitle, body });
}
