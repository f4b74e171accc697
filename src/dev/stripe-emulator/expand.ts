import type Stripe from 'stripe';
import { invalidParam, invalidRequest } from './errors';
import { apiList } from './objects-catalog';
import { int, obj, str, type Params } from './params';
import { refundsOf } from './payments';
import { clone, type Store } from './store';

type Json = Record<string, unknown>;

const MAX_EXPAND_DEPTH = 4;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fields Stripe leaves out unless expanded ("includable"), computed on demand. */
function includable(store: Store, owner: Json, field: string): unknown {
  const id = String(owner.id);
  if (owner.object === 'invoice' && field === 'payments') {
    const payments = Object.values(store.state.invoicePayments)
      .filter((p) => p.invoice === id)
      .reverse();
    return apiList(clone(payments), `/v1/invoice_payments?invoice=${id}`);
  }
  if (owner.object === 'checkout.session' && field === 'line_items') {
    return apiList(clone(store.state.sessionLineItems[id] ?? []), `/v1/checkout/sessions/${id}/line_items`);
  }
  if (owner.object === 'charge' && field === 'refunds') {
    return apiList(clone(refundsOf(store, id)), `/v1/charges/${id}/refunds`);
  }
  return undefined;
}

function expandValue(store: Store, value: unknown, rest: string[], fullPath: string): unknown {
  if (typeof value === 'string') {
    const found = store.find(value);
    if (!found) throw invalidRequest(`This property cannot be expanded (${fullPath}).`);
    const copy = clone(found) as unknown as Json;
    if (rest.length) expandInto(store, copy, rest, fullPath);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => expandValue(store, v, rest, fullPath));
  if (isObject(value)) {
    if (rest.length) expandInto(store, value, rest, fullPath);
    return value;
  }
  return value;
}

function expandInto(store: Store, target: Json, segments: string[], fullPath: string): void {
  const [field, ...rest] = segments;
  if (!field) return;
  let value = target[field];
  if (value === undefined) {
    value = includable(store, target, field);
    if (value === undefined) throw invalidRequest(`This property cannot be expanded (${fullPath}).`);
  }
  if (value === null) return;
  target[field] = expandValue(store, value, rest, fullPath);
}

/** Applies `expand[]` paths (e.g. `latest_charge.balance_transaction`, `data.invoice`) to a response copy. */
export function expandResponse(store: Store, response: unknown, paths: string[]): unknown {
  if (!isObject(response)) return response;
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > MAX_EXPAND_DEPTH + (response.object === 'list' ? 1 : 0)) {
      throw invalidParam('expand', `You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property. Property: ${path}`);
    }
    expandInto(store, response, segments, path);
  }
  return response;
}

function createdFilter(p: Params): ((created: number) => boolean) | undefined {
  if (typeof p.created === 'string') {
    const exact = int(p, 'created');
    return exact === undefined ? undefined : (c) => c === exact;
  }
  const range = obj(p, 'created');
  if (!range) return undefined;
  const gt = int(range, 'gt', 'created[');
  const gte = int(range, 'gte', 'created[');
  const lt = int(range, 'lt', 'created[');
  const lte = int(range, 'lte', 'created[');
  return (c) => (gt === undefined || c > gt) && (gte === undefined || c >= gte) && (lt === undefined || c < lt) && (lte === undefined || c <= lte);
}

/**
 * A page of a Stripe list, newest first (ties: most recently stored first), honouring `limit`,
 * `starting_after`, `ending_before` and `created[gt|gte|lt|lte]`.
 */
export function paginate<T extends { id: string; created?: number }>(items: T[], p: Params, url: string): Stripe.ApiList<T> {
  const limit = int(p, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidParam('limit', 'This value must be between 1 and 100.');
  const inCreated = createdFilter(p);
  let sorted = items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => (b.item.created ?? 0) - (a.item.created ?? 0) || b.index - a.index)
    .map((x) => x.item)
    .filter((item) => !inCreated || inCreated(item.created ?? 0));
  const after = str(p, 'starting_after');
  const before = str(p, 'ending_before');
  if (after) {
    const at = sorted.findIndex((i) => i.id === after);
    if (at < 0) throw invalidParam('starting_after', `No such object: '${after}'`, 'resource_missing');
    sorted = sorted.slice(at + 1);
  } else if (before) {
    const at = sorted.findIndex((i) => i.id === before);
    if (at < 0) throw invalidParam('ending_before', `No such object: '${before}'`, 'resource_missing');
    const earlier = sorted.slice(0, at);
    const page = earlier.slice(Math.max(0, earlier.length - limit));
    return apiList(clone(page), url, earlier.length > limit);
  }
  return apiList(clone(sorted.slice(0, limit)), url, sorted.length > limit);
}
