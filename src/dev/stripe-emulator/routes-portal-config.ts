import type Stripe from 'stripe';
import { noSuch } from './errors';
import { paginate } from './expand';
import { json, type Router } from './http';
import { buildPortalConfiguration } from './objects-sessions';
import { bool, mergeMetadata, obj, objList, str, strList, type Params } from './params';
import { clone, nowSeconds, type Store } from './store';

type Features = Stripe.BillingPortal.Configuration.Features;

/** The configuration a portal session uses: the given one, or the account default (made on first use). */
export function portalConfigurationFor(store: Store, id: string | undefined): Stripe.BillingPortal.Configuration {
  if (id) {
    const found = store.state.portalConfigurations[id];
    if (!found) throw noSuch('billing_portal.configuration', id, 'configuration');
    return found;
  }
  const all = Object.values(store.state.portalConfigurations);
  const chosen = all.find((c) => c.is_default) ?? all.find((c) => c.active);
  if (chosen) return chosen;
  return store.put('portalConfigurations', buildPortalConfiguration(true));
}

/** Applies the supported configuration parameters (business profile, return URL, features) in place. */
function applyConfiguration(config: Stripe.BillingPortal.Configuration, p: Params): void {
  const profile = obj(p, 'business_profile');
  if (profile) {
    for (const key of ['headline', 'privacy_policy_url', 'terms_of_service_url'] as const) {
      const value = str(profile, key, 'business_profile[');
      if (value !== undefined) config.business_profile[key] = value || null;
    }
  }
  const returnUrl = str(p, 'default_return_url');
  if (returnUrl !== undefined) config.default_return_url = returnUrl || null;
  const name = str(p, 'name');
  if (name !== undefined) config.name = name || null;
  const active = bool(p, 'active');
  if (active !== undefined) config.active = active;
  if (p.metadata !== undefined) config.metadata = mergeMetadata(config.metadata, p);
  const login = obj(p, 'login_page');
  const loginEnabled = login ? bool(login, 'enabled') : undefined;
  if (loginEnabled !== undefined) config.login_page = { enabled: loginEnabled, url: null };
  const features = obj(p, 'features');
  if (features) applyFeatures(config.features, features);
  config.updated = nowSeconds();
}

function applyFeatures(f: Features, p: Params): void {
  const enabled = (section: Params | undefined, target: { enabled: boolean }) => {
    const value = section ? bool(section, 'enabled') : undefined;
    if (value !== undefined) target.enabled = value;
  };
  const customerUpdate = obj(p, 'customer_update');
  enabled(customerUpdate, f.customer_update);
  const allowed = customerUpdate ? strList(customerUpdate, 'allowed_updates') : undefined;
  if (allowed) f.customer_update.allowed_updates = allowed as Stripe.BillingPortal.Configuration.Features.CustomerUpdate.AllowedUpdate[];
  enabled(obj(p, 'invoice_history'), f.invoice_history);
  enabled(obj(p, 'payment_method_update'), f.payment_method_update);
  enabled(obj(p, 'subscription_pause'), f.subscription_pause);

  const cancel = obj(p, 'subscription_cancel');
  if (cancel) {
    enabled(cancel, f.subscription_cancel);
    const mode = str(cancel, 'mode');
    if (mode) f.subscription_cancel.mode = mode as Stripe.BillingPortal.Configuration.Features.SubscriptionCancel.Mode;
    const proration = str(cancel, 'proration_behavior');
    if (proration) f.subscription_cancel.proration_behavior = proration as Stripe.BillingPortal.Configuration.Features.SubscriptionCancel.ProrationBehavior;
    const reason = obj(cancel, 'cancellation_reason');
    if (reason) {
      enabled(reason, f.subscription_cancel.cancellation_reason);
      const options = strList(reason, 'options');
      if (options) f.subscription_cancel.cancellation_reason.options = options as Stripe.BillingPortal.Configuration.Features.SubscriptionCancel.CancellationReason.Option[];
    }
  }

  const update = obj(p, 'subscription_update');
  if (update) {
    enabled(update, f.subscription_update);
    const allowedUpdates = strList(update, 'default_allowed_updates');
    if (allowedUpdates) f.subscription_update.default_allowed_updates = allowedUpdates as Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.DefaultAllowedUpdate[];
    const proration = str(update, 'proration_behavior');
    if (proration) f.subscription_update.proration_behavior = proration as Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.ProrationBehavior;
    const products = objList(update, 'products');
    if (products) {
      f.subscription_update.products = products.map((product) => ({
        adjustable_quantity: { enabled: false, maximum: null, minimum: 0 },
        prices: strList(product, 'prices') ?? [],
        product: str(product, 'product') ?? '',
      }));
    }
  }
}

/** Mounts /v1/billing_portal/configurations. */
export function mountPortalConfigurationRoutes(router: Router, store: Store): void {
  router.api('POST', '/v1/billing_portal/configurations', ({ input }) => {
    const hasDefault = Object.values(store.state.portalConfigurations).some((c) => c.is_default);
    const config = buildPortalConfiguration(!hasDefault);
    applyConfiguration(config, input);
    store.put('portalConfigurations', config);
    store.emit('billing_portal.configuration.created', config);
    return json(config);
  });
  router.api('GET', '/v1/billing_portal/configurations/:id', ({ params }) => json(portalConfigurationFor(store, params.id)));
  router.api('POST', '/v1/billing_portal/configurations/:id', ({ params, input }) => {
    const config = portalConfigurationFor(store, params.id);
    const before = clone(config);
    applyConfiguration(config, input);
    store.put('portalConfigurations', config);
    store.emit('billing_portal.configuration.updated', config, { features: before.features, business_profile: before.business_profile, active: before.active });
    return json(config);
  });
  router.api('GET', '/v1/billing_portal/configurations', ({ input }) => {
    const active = bool(input, 'active');
    const isDefault = bool(input, 'is_default');
    const items = Object.values(store.state.portalConfigurations).filter(
      (c) => (active === undefined || c.active === active) && (isDefault === undefined || c.is_default === isDefault),
    );
    return json(paginate(items, input, '/v1/billing_portal/configurations'));
  });
}
