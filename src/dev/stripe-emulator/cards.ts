import { now as clockNow } from '../../lib/clock';
import type { CardRecord } from './store';

/** How a test card behaves: like Stripe's 4242 (pays), 0341 (saves, then fails to charge) and 0002 (declined). */
export type CardBehaviour = 'succeeds' | 'declines_on_charge' | 'declines';

interface TestCard {
  brand: string;
  behaviour: CardBehaviour;
}

/** The only card numbers the emulator knows; any other number is refused as invalid. */
export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  '4242424242424242': { brand: 'visa', behaviour: 'succeeds' },
  '4000000000000341': { brand: 'visa', behaviour: 'declines_on_charge' },
  '4000000000000002': { brand: 'visa', behaviour: 'declines' },
};

/** Test cards as people type them, for the hints on the hosted pages. */
export const TEST_CARD_HINTS = [
  { number: '4242 4242 4242 4242', behaviour: 'succeeds' },
  { number: '4000 0000 0000 0341', behaviour: 'declines_on_charge' },
  { number: '4000 0000 0000 0002', behaviour: 'declines' },
] as const;

export const DECLINE_MESSAGE = 'Your card was declined.';

/** What a person typed into a card form. */
export interface CardInput {
  number: string;
  expiry?: string;
  cvc?: string;
}

export type CardProblem = 'invalid_number' | 'invalid_expiry' | 'expired' | 'invalid_cvc';

export type CardCheck = { ok: true; card: CardRecord; behaviour: CardBehaviour } | { ok: false; problem: CardProblem };

/** Digits only (people type spaces and dashes). */
export function normaliseCardNumber(input: string): string {
  return input.replace(/[\s-]/g, '');
}

function parseExpiry(input: string): { month: number; year: number } | undefined {
  const m = /^(\d{1,2})\s*\/?\s*(\d{2}|\d{4})$/.exec(input.trim());
  if (!m) return undefined;
  const month = Number(m[1]);
  const year = m[2]!.length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  if (month < 1 || month > 12) return undefined;
  return { month, year };
}

/**
 * Validates a card form. Expiry and CVC are checked when given (the hosted pages require them; scripted
 * payments may send the number alone, which then expires in five years).
 */
export function checkCard(input: CardInput, now = clockNow()): CardCheck {
  const number = normaliseCardNumber(input.number);
  const known = TEST_CARDS[number];
  if (!known) return { ok: false, problem: 'invalid_number' };
  let expMonth = 12;
  let expYear = now.getUTCFullYear() + 5;
  if (input.expiry !== undefined && input.expiry.trim() !== '') {
    const parsed = parseExpiry(input.expiry);
    if (!parsed) return { ok: false, problem: 'invalid_expiry' };
    const thisMonth = now.getUTCFullYear() * 12 + now.getUTCMonth() + 1;
    if (parsed.year * 12 + parsed.month < thisMonth) return { ok: false, problem: 'expired' };
    expMonth = parsed.month;
    expYear = parsed.year;
  }
  if (input.cvc !== undefined && input.cvc.trim() !== '' && !/^\d{3,4}$/.test(input.cvc.trim())) {
    return { ok: false, problem: 'invalid_cvc' };
  }
  return {
    ok: true,
    behaviour: known.behaviour,
    card: { number, brand: known.brand, last4: number.slice(-4), expMonth, expYear },
  };
}

/** Whether a saved card can be charged now. */
export function chargeOutcome(card: CardRecord): { ok: true } | { ok: false; declineCode: string; message: string } {
  const behaviour = TEST_CARDS[card.number]?.behaviour ?? 'declines';
  return behaviour === 'succeeds' ? { ok: true } : { ok: false, declineCode: 'generic_decline', message: DECLINE_MESSAGE };
}
