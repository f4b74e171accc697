import { z } from 'zod';

// Stripe signs with its clock; the SDK refuses signatures older than its tolerance but accepts any from
// the future. A timestamp beyond the same tolerance ahead is refused too (a replay prepared in advance).
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The t= timestamp of a Stripe-Signature header, or undefined when it has none. */
export function signatureTimestamp(header: string): number | undefined {
  const t = header
    .split(',')
    .map((part) => part.trim().split('='))
    .find(([key]) => key === 't')?.[1];
  return t && /^\d{1,12}$/.test(t) ? Number(t) : undefined;
}

/** True when the signature is dated further ahead of `nowSeconds` than the tolerance allows. */
export function isSignedInFuture(header: string, nowSeconds: number): boolean {
  const t = signatureTimestamp(header);
  return t !== undefined && t - nowSeconds > SIGNATURE_TOLERANCE_SECONDS;
}

/** The fields the inbox relies on: an event must have them to be stored (signed or not). */
export const storableEvent = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9_]{1,250}$/),
  type: z.string().regex(/^[a-z0-9_.]{1,100}$/),
  api_version: z.string().max(64).nullable().optional(),
  created: z.number().int().nonnegative(),
  data: z.object({ object: z.looseObject({}) }),
});
