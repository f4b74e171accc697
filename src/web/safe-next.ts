// A made-up origin to resolve paths against: only whether a value stays on it matters, not its name.
const ORIGIN = 'https://app.invalid';

// Encoded slash, backslash or dot: a second decoding (a proxy, an old browser) could turn them into
// `//host` or `..`, so a return path carrying them is refused rather than trusted.
const ENCODED_SEPARATOR = /%(2f|5c|2e)/i;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The same-origin path to return to after a step (sign-in), or `fallback`: a string starting with one
 * `/`, resolved by the WHATWG URL parser against the app's origin (so `..`, `\`, tabs and encoded
 * dots are read as a browser reads them) that stays on that origin, lies under `within` when given, and
 * never begins with `//` once normalised. Anything else, whatever its type, gives `fallback`.
 */
export function safeNext(value: unknown, fallback: string, within?: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\') || CONTROL.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== ORIGIN || url.username || url.password) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (path.startsWith('//') || path.startsWith('/\\') || ENCODED_SEPARATOR.test(url.pathname)) return fallback;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return fallback; // invalid UTF-8 in the percent-encoding
  }
  if (CONTROL.test(decoded) || decoded.includes('\\') || decoded.startsWith('//')) return fallback;
  if (within && url.pathname !== within && !url.pathname.startsWith(`${within}/`)) return fallback;
  return path;
}

/**
 * A link to the current path with a new query (the language switch): the request's path with its
 * leading slashes and backslashes folded into one `/`, so `GET //evil.example/x` links to
 * `/evil.example/x?…` on this site, never to the host `evil.example`.
 */
export function samePathLink(requestPath: string, query: string): string {
  return `/${requestPath.replace(/^[/\\]+/, '')}?${query}`;
}
