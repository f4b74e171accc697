import { badBodies, badHeaders, badJsonValues, badValues, hugeValues, strangeFieldNames, type BadValue } from '../fixtures/bad-values';
import type { FoundForm } from './forms';
import type { RouteEntry } from './routes';

/** A deterministic generator (mulberry32) seeded from a text, so each route gets the same sample every run. */
export function seededRandom(seedText: string): () => number {
  let seed = 0;
  for (const ch of seedText) seed = (Math.imul(seed ^ ch.charCodeAt(0), 2654435761) + 1) >>> 0;
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sample<T>(random: () => number, list: readonly T[], n: number): T[] {
  const copy = [...list];
  const out: T[] = [];
  while (out.length < n && copy.length > 0) out.push(copy.splice(Math.floor(random() * copy.length), 1)[0]!);
  return out;
}

/** Field names a form might take but none shows: tried on every route beside the fields it has. */
export const GENERIC_FIELDS = [
  'id',
  'email',
  'q',
  'page',
  'lang',
  'next',
  'locale',
  'amount',
  'plan',
  'from',
  'to',
  'format',
  'encoding',
  'year',
  'status',
  'code',
  'password',
  'name',
  'token',
  'kind',
  'method',
  'tag',
  'reason',
];

export interface Probe {
  label: string;
  method: string;
  /** Path and query, already encoded. */
  url: string;
  body?: string | FormData;
  contentType?: string;
  headers?: Record<string, string>;
}

type Value = string | BadValue;

/** Percent-encodes text; a lone surrogate (which UTF-8 cannot hold) goes as its CESU-8 bytes, invalid UTF-8. */
function encodeText(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text]
      .map((ch) => {
        const code = ch.charCodeAt(0);
        if (ch.length === 1 && code >= 0xd800 && code <= 0xdfff)
          return `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`;
        return encodeURIComponent(ch);
      })
      .join('');
  }
}
const encode = (v: Value) => (typeof v === 'string' ? encodeText(v) : v.raw ? v.value : encodeText(v.value));
const labelOf = (v: Value) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 20)) : v.label);
const pairs = (list: [string, Value][]) => list.map(([k, v]) => `${encodeText(k)}=${encode(v)}`).join('&');

/** What the fuzzer knows of one route for one caller. */
export interface Target {
  route: RouteEntry;
  /** Path parameters replaced by values that exist (or an unknown id). */
  path: string;
  form?: FoundForm;
  /** The caller may use the route (otherwise only a few probes check that the guard holds). */
  isReachable: boolean;
}

/** Replaces the named path parameter (or all) of the route pattern. */
function withParam(pattern: string, concrete: string, name: string, value: Value): string {
  const patternParts = pattern.split('/');
  const concreteParts = concrete.split('/');
  return patternParts.map((part, i) => (part === `:${name}` ? encode(value) : concreteParts[i])).join('/');
}

/**
 * The probes for one route: bad values in each path parameter, in each field of its form (the rest of
 * the form as a browser sends it) and in fields it does not have, duplicated fields, JSON bodies of
 * wrong types, bodies unlike their Content-Type, a 1 MB value, and the other method. A sample of the
 * corpus each, drawn with a seed made from the route.
 */
export function probesFor(target: Target, token: string, seed: string, valuesPerField = 2): Probe[] {
  const random = seededRandom(`${seed} ${target.route.method} ${target.route.path}`);
  const { route, path } = target;
  const isPost = route.method !== 'get';
  const baseline: [string, Value][] = target.form?.fields ?? [];
  const withToken = (list: [string, Value][]): [string, Value][] => (isPost ? [['_csrf', token], ...list] : list);
  const multipart = isPost && target.form?.isMultipart;
  const send = (label: string, list: [string, Value][], url = path): Probe => {
    if (!isPost) {
      const query = pairs(list);
      return { label, method: 'GET', url: query ? `${url}?${query}` : url };
    }
    if (multipart) {
      const form = new FormData();
      for (const [k, v] of list) form.append(k, typeof v === 'string' ? v : v.value);
      form.append('file', new Blob([list.map(([, v]) => (typeof v === 'string' ? v : v.value)).join(',')]), 'statement.csv');
      return { label, method: 'POST', url: `${url}?_csrf=${encodeURIComponent(token)}`, body: form };
    }
    return { label, method: 'POST', url, body: pairs(withToken(list)), contentType: 'application/x-www-form-urlencoded' };
  };
  const probes: Probe[] = [];
  const params = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);

  // Odd headers on the form as a browser sends it (a `cookie` here replaces the caller's own).
  for (const h of sample(random, badHeaders, 1)) probes.push({ ...send(h.label, baseline), headers: h.headers });

  if (!target.isReachable) {
    for (const name of params) for (const v of sample(random, badValues, 1)) probes.push(send(`path :${name} = ${v.label}`, baseline, withParam(route.path, path, name, v)));
    if (isPost)
      probes.push({
        label: 'JSON body',
        method: 'POST',
        url: path,
        body: JSON.stringify({ _csrf: token, id: sample(random, badJsonValues, 1)[0] }),
        contentType: 'application/json',
      });
    probes.push(send(isPost ? '1 MB value' : '64 kB value', [...baseline, ['q', isPost ? hugeValues[0]! : { label: '64 kB', value: hugeValues[0]!.value.slice(0, 64 * 1024) }]]));
    return probes;
  }

  for (const name of params) {
    for (const v of sample(random, badValues, valuesPerField + 1)) probes.push(send(`path :${name} = ${v.label}`, baseline, withParam(route.path, path, name, v)));
  }
  const ownFields = [...new Set(baseline.map(([k]) => k))];
  const fields = [
    ...ownFields,
    ...sample(
      random,
      GENERIC_FIELDS.filter((f) => !ownFields.includes(f)),
      2,
    ),
    ...sample(random, strangeFieldNames, 1),
  ];
  for (const field of fields) {
    for (const v of sample(random, badValues, ownFields.includes(field) ? valuesPerField : 1)) {
      const list: [string, Value][] = baseline.filter(([k]) => k !== field);
      list.push([field, v]);
      probes.push(send(`${field} = ${labelOf(v)}`, list));
    }
  }
  // Every field twice (a second value after the one the form has) and as an array-looking name.
  const twice = sample(random, badValues, 1)[0]!;
  probes.push(send(`duplicated fields (${twice.label})`, [...baseline, ...fields.map((f): [string, Value] => [f, twice])]));
  probes.push(
    send(
      'array-style names',
      fields.map((f): [string, Value] => [`${f}[]`, 'x']),
    ),
  );
  // In a query string the server stops reading at its 16 kB header limit: 64 kB of the value shows that as well as 1 MB.
  const picked = sample(random, hugeValues, 1)[0]!;
  const huge = isPost ? picked : { ...picked, label: `${picked.label} (first 64 kB)`, value: picked.value.slice(0, 64 * 1024) };
  probes.push(send(`${huge.label} in ${fields[0] ?? 'q'}`, [...baseline.filter(([k]) => k !== (fields[0] ?? 'q')), [fields[0] ?? 'q', huge]]));
  probes.push(
    send(
      'every field bad',
      fields.map((f) => [f, sample(random, badValues, 1)[0]!]),
    ),
  );

  if (isPost) {
    for (let i = 0; i < 2; i += 1) {
      const json: Record<string, unknown> = { _csrf: token };
      for (const [k, v] of baseline) json[k] = v;
      for (const f of fields) json[f] = sample(random, badJsonValues, 1)[0];
      probes.push({ label: `JSON body of wrong types #${i + 1}`, method: 'POST', url: path, body: JSON.stringify(json), contentType: 'application/json' });
    }
    for (const b of sample(random, badBodies, 2)) {
      // A token in the header, so that the bad body itself reaches the parser and the route.
      probes.push({ label: b.label, method: 'POST', url: path, body: b.body, contentType: b.contentType, headers: { 'x-csrf-token': token, ...b.headers } });
    }
    probes.push({ label: 'GET of a POST route', method: 'GET', url: path });
  } else {
    probes.push({ label: 'POST to a GET route', method: 'POST', url: path, body: pairs([['_csrf', token]]), contentType: 'application/x-www-form-urlencoded' });
    probes.push({ label: 'PUT', method: 'PUT', url: path, headers: { 'x-csrf-token': token } });
  }
  return probes;
}

/** Runs tasks with at most `n` at a time. */
export async function inPool<T>(items: T[], n: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await run(item);
      }
    }),
  );
}
