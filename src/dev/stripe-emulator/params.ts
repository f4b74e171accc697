import type { ParsedQs } from 'qs';
import type Stripe from 'stripe';
import { invalidParam, missingParam } from './errors';

/** Request parameters decoded from Stripe's bracket notation. */
export type Params = ParsedQs;
type Value = Params[string];

function at(p: Params, key: string): Value {
  return Object.prototype.hasOwnProperty.call(p, key) ? p[key] : undefined;
}

/** A string parameter, or undefined when absent. */
export function str(p: Params, key: string, prefix = ''): string | undefined {
  const v = at(p, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidParam(prefix + key, `Invalid string: ${prefix + key}`);
  return v;
}

/** A required string parameter. */
export function reqStr(p: Params, key: string, prefix = ''): string {
  const v = str(p, key, prefix);
  if (v === undefined || v === '') throw missingParam(prefix + key);
  return v;
}

/** An integer parameter, or undefined when absent. */
export function int(p: Params, key: string, prefix = ''): number | undefined {
  const v = str(p, key, prefix);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw invalidParam(prefix + key, `Invalid integer: ${v}`);
  return Number(v);
}

/** A boolean parameter ('true'/'false'), or undefined when absent. */
export function bool(p: Params, key: string, prefix = ''): boolean | undefined {
  const v = str(p, key, prefix);
  if (v === undefined || v === '') return undefined;
  if (v !== 'true' && v !== 'false') throw invalidParam(prefix + key, `Invalid boolean: ${v}`);
  return v === 'true';
}

/** A nested hash parameter, or undefined when absent (an empty string also counts as absent). */
export function obj(p: Params, key: string, prefix = ''): Params | undefined {
  const v = at(p, key);
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidParam(prefix + key, `Invalid hash: ${prefix + key}`);
  return v;
}

/** An array parameter (`key[0]=…` or `key[]=…`), or undefined when absent. */
export function list(p: Params, key: string, prefix = ''): Value[] | undefined {
  const v = at(p, key);
  if (v === undefined || v === '') return undefined;
  if (Array.isArray(v)) return v;
  // qs turns sparse or very long index lists into objects keyed by index.
  if (typeof v === 'object')
    return Object.keys(v)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => v[k]);
  throw invalidParam(prefix + key, `Invalid array: ${prefix + key}`);
}

/** An array of strings. */
export function strList(p: Params, key: string): string[] | undefined {
  const items = list(p, key);
  return items?.map((item) => {
    if (typeof item !== 'string') throw invalidParam(key, `Invalid array: ${key}`);
    return item;
  });
}

/** An array of hashes. */
export function objList(p: Params, key: string): Params[] | undefined {
  const items = list(p, key);
  return items?.map((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw invalidParam(`${key}[${i}]`, `Invalid hash: ${key}[${i}]`);
    return item as Params;
  });
}

/** Applies a `metadata` parameter to existing metadata: keys set to '' are removed, `metadata=''` clears all. */
export function mergeMetadata(existing: Stripe.Metadata | null, p: Params, key = 'metadata'): Stripe.Metadata {
  const raw = at(p, key);
  if (raw === '') return {};
  const out: Stripe.Metadata = { ...(existing ?? {}) };
  const given = obj(p, key);
  if (!given) return out;
  for (const [k, v] of Object.entries(given)) {
    if (typeof v !== 'string') throw invalidParam(`${key}[${k}]`, `Invalid metadata value for ${k}`);
    if (v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}

/** The `expand[]` parameter. */
export function expandList(p: Params): string[] {
  return strList(p, 'expand') ?? [];
}

/** Sets target[key] when a value was given, remembering the old value for an event's previous_attributes. */
export function change<T extends object, K extends keyof T>(target: T, previous: Record<string, unknown>, key: K, value: T[K] | undefined): void {
  if (value === undefined) return;
  previous[key as string] = target[key];
  target[key] = value;
}
