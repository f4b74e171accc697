import type Stripe from 'stripe';
import { getCustomer } from './customers';
import { invalidParam, noSuch } from './errors';
import { paginate } from './expand';
import { json, type ApiRequest, type Router } from './http';
import { buildCustomer, buildPrice, buildProduct } from './objects-catalog';
import { bool, change, int, mergeMetadata, obj, reqStr, str, strList, type Params } from './params';
import { nowSeconds, type Store } from './store';

function customerFields(p: Params, existing: Stripe.Customer | null): Partial<Stripe.Customer> {
  const fields: Partial<Stripe.Customer> = { metadata: mergeMetadata(existing?.metadata ?? {}, p) };
  for (const key of ['email', 'name', 'phone', 'description'] as const) {
    const value = str(p, key);
    if (value !== undefined) fields[key] = value === '' ? null : value;
  }
  const locales = strList(p, 'preferred_locales');
  if (locales) fields.preferred_locales = locales;
  const address = obj(p, 'address');
  if (address) {
    const a = (k: string) => str(address, k, 'address[') ?? null;
    fields.address = { city: a('city'), country: a('country'), line1: a('line1'), line2: a('line2'), postal_code: a('postal_code'), state: a('state') };
  }
  return fields;
}

function setDefaultPaymentMethod(store: Store, customer: Stripe.Customer, p: Params): void {
  const settings = obj(p, 'invoice_settings');
  const pmId = settings ? str(settings, 'default_payment_method', 'invoice_settings[') : undefined;
  if (pmId === undefined) return;
  if (pmId !== '' && !store.state.paymentMethods[pmId]) throw noSuch('PaymentMethod', pmId, 'invoice_settings[default_payment_method]');
  customer.invoice_settings.default_payment_method = pmId === '' ? null : pmId;
}

function productOrThrow(store: Store, id: string, param = 'id'): Stripe.Product {
  const product = store.state.products[id];
  if (!product) throw noSuch('product', id, param);
  return product;
}

function priceOrThrow(store: Store, id: string): Stripe.Price {
  const price = store.state.prices[id];
  if (!price) throw noSuch('price', id);
  return price;
}

/** Moves or checks a lookup key: Stripe refuses a key in use unless transfer_lookup_key is true. */
function claimLookupKey(store: Store, key: string, transfer: boolean, owner: string): void {
  for (const other of Object.values(store.state.prices)) {
    if (other.id === owner || other.lookup_key !== key) continue;
    if (!transfer) {
      throw invalidParam('lookup_key', `A price (\`${other.id}\`) already uses that lookup key. To transfer it, pass transfer_lookup_key=true.`, 'lookup_key_already_exists');
    }
    other.lookup_key = null;
    store.put('prices', other);
    store.emit('price.updated', other, { lookup_key: key });
  }
}

/** Mounts customers, products, prices and payment methods. */
export function mountCatalogRoutes(router: Router, store: Store): void {
  router.api('POST', '/v1/customers', ({ input }) => {
    const customer = buildCustomer(customerFields(input, null));
    setDefaultPaymentMethod(store, customer, input);
    store.put('customers', customer);
    store.emit('customer.created', customer);
    return json(customer);
  });
  router.api('GET', '/v1/customers/:id', ({ params }) => json(getCustomer(store, params.id!)));
  router.api('POST', '/v1/customers/:id', ({ params, input }) => {
    const customer = getCustomer(store, params.id!);
    const before = structuredClone(customer);
    Object.assign(customer, customerFields(input, customer));
    setDefaultPaymentMethod(store, customer, input);
    store.put('customers', customer);
    const previous = Object.fromEntries(Object.entries(before).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify((customer as unknown as Record<string, unknown>)[k])));
    if (Object.keys(previous).length) store.emit('customer.updated', customer, previous);
    return json(customer);
  });
  router.api('GET', '/v1/customers', ({ input }) => {
    const email = str(input, 'email');
    const items = Object.values(store.state.customers).filter((c) => email === undefined || c.email === email);
    return json(paginate(items, input, '/v1/customers'));
  });
  router.api('GET', '/v1/customers/:id/payment_methods', ({ params, input }) => {
    getCustomer(store, params.id!);
    return json(
      paginate(
        Object.values(store.state.paymentMethods).filter((pm) => pm.customer === params.id),
        input,
        `/v1/customers/${params.id}/payment_methods`,
      ),
    );
  });
  router.api('GET', '/v1/payment_methods/:id', ({ params }) => {
    const pm = store.state.paymentMethods[params.id!];
    if (!pm) throw noSuch('payment_method', params.id!);
    return json(pm);
  });
  router.api('GET', '/v1/payment_methods', ({ input }) => {
    const customer = str(input, 'customer');
    return json(
      paginate(
        Object.values(store.state.paymentMethods).filter((pm) => !customer || pm.customer === customer),
        input,
        '/v1/payment_methods',
      ),
    );
  });

  router.api('POST', '/v1/products', ({ input }) => {
    const id = str(input, 'id');
    if (id && store.state.products[id]) throw invalidParam('id', `Product already exists.`, 'resource_already_exists');
    const product = buildProduct({
      ...(id ? { id } : {}),
      name: reqStr(input, 'name'),
      description: str(input, 'description') ?? null,
      active: bool(input, 'active') ?? true,
      metadata: mergeMetadata({}, input),
      statement_descriptor: str(input, 'statement_descriptor') ?? null,
      unit_label: str(input, 'unit_label') ?? null,
      url: str(input, 'url') ?? null,
    });
    store.put('products', product);
    store.emit('product.created', product);
    return json(product);
  });
  router.api('GET', '/v1/products/:id', ({ params }) => json(productOrThrow(store, params.id!)));
  router.api('POST', '/v1/products/:id', ({ params, input }) => {
    const product = productOrThrow(store, params.id!);
    const previous: Record<string, unknown> = {};
    const description = str(input, 'description');
    change(product, previous, 'name', str(input, 'name'));
    change(product, previous, 'description', description === undefined ? undefined : description || null);
    change(product, previous, 'active', bool(input, 'active'));
    change(product, previous, 'metadata', input.metadata === undefined ? undefined : mergeMetadata(product.metadata, input));
    product.updated = nowSeconds();
    store.put('products', product);
    store.emit('product.updated', product, previous);
    return json(product);
  });
  router.api('GET', '/v1/products', ({ input }) => {
    const active = bool(input, 'active');
    const ids = strList(input, 'ids');
    const items = Object.values(store.state.products).filter((p) => (active === undefined || p.active === active) && (!ids || ids.includes(p.id)));
    return json(paginate(items, input, '/v1/products'));
  });

  router.api('POST', '/v1/prices', (req) => json(createPrice(store, req)));
  router.api('GET', '/v1/prices/:id', ({ params }) => json(priceOrThrow(store, params.id!)));
  router.api('POST', '/v1/prices/:id', ({ params, input }) => {
    const price = priceOrThrow(store, params.id!);
    const previous: Record<string, unknown> = {};
    const nickname = str(input, 'nickname');
    const lookupKey = str(input, 'lookup_key');
    if (lookupKey) claimLookupKey(store, lookupKey, bool(input, 'transfer_lookup_key') ?? false, price.id);
    change(price, previous, 'active', bool(input, 'active'));
    change(price, previous, 'nickname', nickname === undefined ? undefined : nickname || null);
    change(price, previous, 'lookup_key', lookupKey === undefined ? undefined : lookupKey || null);
    change(price, previous, 'metadata', input.metadata === undefined ? undefined : mergeMetadata(price.metadata, input));
    store.put('prices', price);
    store.emit('price.updated', price, previous);
    return json(price);
  });
  router.api('GET', '/v1/prices', ({ input }) => {
    const active = bool(input, 'active');
    const product = str(input, 'product');
    const type = str(input, 'type');
    const currency = str(input, 'currency');
    const lookupKeys = strList(input, 'lookup_keys');
    const items = Object.values(store.state.prices).filter(
      (p) =>
        (active === undefined || p.active === active) &&
        (!product || p.product === product) &&
        (!type || p.type === type) &&
        (!currency || p.currency === currency) &&
        (!lookupKeys || (p.lookup_key !== null && lookupKeys.includes(p.lookup_key))),
    );
    return json(paginate(items, input, '/v1/prices'));
  });
}

function createPrice(store: Store, { input }: ApiRequest): Stripe.Price {
  let productId = str(input, 'product');
  if (productId) productOrThrow(store, productId, 'product');
  else {
    const data = obj(input, 'product_data');
    if (!data) throw invalidParam('product', 'You must specify either `product` or `product_data` when creating a price.', 'parameter_missing');
    const product = buildProduct({
      name: reqStr(data, 'name', 'product_data['),
      metadata: mergeMetadata({}, data),
      statement_descriptor: str(data, 'statement_descriptor') ?? null,
    });
    store.put('products', product);
    store.emit('product.created', product);
    productId = product.id;
  }
  const unitAmount = int(input, 'unit_amount');
  if (unitAmount === undefined) throw invalidParam('unit_amount', 'The emulator needs `unit_amount` (custom_unit_amount and tiers are not supported).', 'parameter_missing');
  const recurring = obj(input, 'recurring');
  const interval = recurring ? reqStr(recurring, 'interval', 'recurring[') : undefined;
  if (interval && !['day', 'week', 'month', 'year'].includes(interval))
    throw invalidParam('recurring[interval]', `Invalid recurring[interval]: must be one of day, week, month, or year`);
  const lookupKey = str(input, 'lookup_key') || null;
  const price = buildPrice({
    product: productId,
    unitAmount,
    currency: reqStr(input, 'currency').toLowerCase(),
    recurring: interval ? { interval: interval as Stripe.Price.Recurring.Interval, interval_count: (recurring && int(recurring, 'interval_count', 'recurring[')) ?? 1 } : null,
    lookupKey,
    nickname: str(input, 'nickname') ?? null,
    metadata: mergeMetadata({}, input),
    active: bool(input, 'active') ?? true,
    taxBehavior: (str(input, 'tax_behavior') as Stripe.Price.TaxBehavior | undefined) ?? null,
  });
  if (lookupKey) claimLookupKey(store, lookupKey, bool(input, 'transfer_lookup_key') ?? false, price.id);
  store.put('prices', price);
  store.emit('price.created', price);
  return price;
}
