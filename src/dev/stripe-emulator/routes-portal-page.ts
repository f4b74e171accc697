import type Stripe from 'stripe';
import { merchantName, productOf, setCancelAtPeriodEnd, switchPrice } from './billing';
import { checkCard } from './cards';
import { defaultCard, replaceDefaultCard } from './customers';
import { html, redirect, type Reply, type Router } from './http';
import { stringsFor, type Lang } from './pages/i18n';
import { renderCancelConfirm, renderPortalPage, type PortalSubscription, type PortalView } from './pages/portal-page';
import { cardForm, fieldOf, formValue, notFoundPage } from './routes-checkout-page';
import type { Store } from './store';

interface PortalContext {
  session: Stripe.BillingPortal.Session;
  customer: Stripe.Customer;
  config: Stripe.BillingPortal.Configuration | undefined;
  lang: Lang;
}

function contextOf(store: Store, sessionId: string): PortalContext | undefined {
  const session = store.state.portalSessions[sessionId];
  const customer = session ? store.state.customers[session.customer] : undefined;
  if (!session || !customer) return undefined;
  const config = store.state.portalConfigurations[typeof session.configuration === 'string' ? session.configuration : session.configuration.id];
  const auto = !session.locale || session.locale === 'auto';
  const lang: Lang = session.locale === 'ja' || (auto && customer.preferred_locales?.[0]?.startsWith('ja')) ? 'ja' : 'en';
  return { session, customer, config, lang };
}

/** Prices a subscription may switch to: active recurring prices of its product (limited by the configuration's list). */
function allowedPrices(store: Store, ctx: PortalContext, sub: Stripe.Subscription): Stripe.Price[] {
  const current = sub.items.data[0]?.price;
  if (!current) return [];
  const productId = typeof current.product === 'string' ? current.product : current.product.id;
  const listed = ctx.config?.features.subscription_update.products?.find((p) => p.product === productId)?.prices;
  return Object.values(store.state.prices)
    .filter(
      (p) =>
        p.id === current.id ||
        (p.active && p.product === productId && p.recurring?.interval === current.recurring?.interval && p.currency === current.currency && (!listed || listed.includes(p.id))),
    )
    .sort((a, b) => (a.unit_amount ?? 0) - (b.unit_amount ?? 0));
}

function subscriptionsOf(store: Store, customerId: string): Stripe.Subscription[] {
  return Object.values(store.state.subscriptions)
    .filter((s) => s.customer === customerId && s.status !== 'canceled')
    .sort((a, b) => b.created - a.created);
}

function portalSubscription(store: Store, ctx: PortalContext, sub: Stripe.Subscription): PortalSubscription {
  const item = sub.items.data[0]!;
  return {
    id: sub.id,
    productName: productOf(store, item.price)?.name ?? item.price.id,
    nickname: item.price.nickname,
    amount: (item.price.unit_amount ?? 0) * (item.quantity ?? 1),
    currency: item.price.currency,
    interval: item.price.recurring?.interval ?? null,
    status: sub.status,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    periodEnd: item.current_period_end,
    choices: allowedPrices(store, ctx, sub).map((p) => ({
      id: p.id,
      label: p.nickname ?? '',
      amount: p.unit_amount ?? 0,
      interval: p.recurring?.interval ?? null,
      current: p.id === item.price.id,
    })),
  };
}

function merchantOf(store: Store, ctx: PortalContext): string {
  const price = subscriptionsOf(store, ctx.customer.id)[0]?.items.data[0]?.price;
  return ctx.config?.business_profile.headline || merchantName(price ? productOf(store, price) : undefined);
}

function portalView(store: Store, ctx: PortalContext, extra: Pick<PortalView, 'notice' | 'error' | 'cardValues'> = {}): PortalView {
  const card = defaultCard(store, ctx.customer);
  const features = ctx.config?.features;
  return {
    lang: ctx.lang,
    sessionId: ctx.session.id,
    merchant: merchantOf(store, ctx),
    returnUrl: ctx.session.return_url,
    subscriptions: subscriptionsOf(store, ctx.customer.id).map((s) => portalSubscription(store, ctx, s)),
    card: card ? { brand: card.brand, last4: card.last4, expMonth: card.expMonth, expYear: card.expYear } : null,
    invoices: Object.values(store.state.invoices)
      .filter((i) => i.customer === ctx.customer.id && i.status !== 'draft')
      .sort((a, b) => b.created - a.created)
      .slice(0, 12)
      .map((i) => ({ id: i.id, created: i.created, amount: i.amount_due, currency: i.currency, status: i.status ?? 'draft' })),
    features: {
      update: features?.subscription_update.enabled ?? true,
      cancel: features?.subscription_cancel.enabled ?? true,
      card: features?.payment_method_update.enabled ?? true,
      invoices: features?.invoice_history.enabled ?? true,
    },
    ...extra,
  };
}

/** Mounts the hosted customer portal: overview, plan switch, cancel (with confirmation), undo, card update. */
export function mountPortalPages(router: Router, store: Store): void {
  const withContext = (sessionId: string, handle: (ctx: PortalContext) => Reply): Reply => {
    const ctx = contextOf(store, sessionId);
    return ctx ? handle(ctx) : html(notFoundPage('en'), 404);
  };
  const ownSubscription = (ctx: PortalContext, id: string) => subscriptionsOf(store, ctx.customer.id).find((s) => s.id === id);
  const done = (ctx: PortalContext, what: string) => redirect(`/portal/${ctx.session.id}?done=${what}`);

  router.page('GET', '/portal/:id', ({ params, input }) =>
    withContext(params.id!, (ctx) => {
      // A session made with flow_data opens straight on its flow (cancelling one subscription).
      const flowSub = ctx.session.flow?.subscription_cancel?.subscription;
      if (flowSub && !formValue(input, 'done') && ownSubscription(ctx, flowSub) && !ownSubscription(ctx, flowSub)!.cancel_at_period_end) {
        return redirect(`/portal/${ctx.session.id}/subscriptions/${flowSub}/cancel`, 302);
      }
      const notice = stringsFor(ctx.lang).done[formValue(input, 'done') ?? ''];
      return html(renderPortalPage(portalView(store, ctx, notice ? { notice } : {})));
    }),
  );

  router.page('POST', '/portal/:id/subscriptions/:sub/price', ({ params, input }) =>
    withContext(params.id!, (ctx) => {
      const sub = ownSubscription(ctx, params.sub!);
      if (!sub || sub.cancel_at_period_end) return html(notFoundPage(ctx.lang), 404);
      const price = allowedPrices(store, ctx, sub).find((p) => p.id === formValue(input, 'price'));
      if (!price) return html(renderPortalPage(portalView(store, ctx)), 400);
      switchPrice(store, sub, price);
      return done(ctx, 'price');
    }),
  );

  router.page('GET', '/portal/:id/subscriptions/:sub/cancel', ({ params }) =>
    withContext(params.id!, (ctx) => {
      const sub = ownSubscription(ctx, params.sub!);
      if (!sub) return html(notFoundPage(ctx.lang), 404);
      const reason = ctx.config?.features.subscription_cancel.cancellation_reason;
      return html(
        renderCancelConfirm({
          lang: ctx.lang,
          sessionId: ctx.session.id,
          merchant: merchantOf(store, ctx),
          returnUrl: ctx.session.return_url,
          sub: portalSubscription(store, ctx, sub),
          reasons: reason?.enabled ? reason.options : [],
        }),
      );
    }),
  );

  router.page('POST', '/portal/:id/subscriptions/:sub/cancel', ({ params, input }) =>
    withContext(params.id!, (ctx) => {
      const sub = ownSubscription(ctx, params.sub!);
      if (!sub) return html(notFoundPage(ctx.lang), 404);
      const feedback = formValue(input, 'reason');
      setCancelAtPeriodEnd(store, sub, true, feedback ? { feedback } : {});
      const after = ctx.session.flow?.after_completion;
      if (after?.type === 'redirect' && after.redirect) return redirect(after.redirect.return_url);
      return done(ctx, 'cancel');
    }),
  );

  router.page('POST', '/portal/:id/subscriptions/:sub/resume', ({ params }) =>
    withContext(params.id!, (ctx) => {
      const sub = ownSubscription(ctx, params.sub!);
      if (!sub) return html(notFoundPage(ctx.lang), 404);
      setCancelAtPeriodEnd(store, sub, false);
      return done(ctx, 'resume');
    }),
  );

  router.page('POST', '/portal/:id/card', ({ params, input }) =>
    withContext(params.id!, (ctx) => {
      const form = cardForm(input);
      const check = checkCard({
        number: form.card_number ?? '',
        ...(form.card_expiry !== undefined ? { expiry: form.card_expiry } : {}),
        ...(form.card_cvc !== undefined ? { cvc: form.card_cvc } : {}),
      });
      // Like Stripe's 0341, a card that fails only when charged is accepted here; 0002 is refused at once.
      if (!check.ok || check.behaviour === 'declines') {
        const problem = check.ok ? 'declined' : check.problem;
        const field = fieldOf(problem);
        const cardValues = { card_number: form.card_number ?? '', card_expiry: form.card_expiry ?? '', cardholder_name: form.cardholder_name ?? '' };
        const error = { message: stringsFor(ctx.lang).errors[problem], ...(field ? { field } : {}) };
        return html(renderPortalPage(portalView(store, ctx, { error, cardValues })), problem === 'declined' ? 402 : 400);
      }
      replaceDefaultCard(store, ctx.customer.id, check.card, form.cardholder_name || null);
      return done(ctx, 'card');
    }),
  );
}
