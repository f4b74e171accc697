import { now as clockNow } from '../../lib/clock';
import type { CardRecord } from './store';

/** How a test card behaves: like Stripe's 4242 (pays), 0341 (saves, then fails to charge) and 0002 (declined). */
export type CardBehaviour = 'succeeds' | 'declines_on_charge' | 'declines';

interface TestCard {
  behaviour: CardBehaviour;
  /** Stripe's `decline_code` for the cards that decline. */
  declineCode?: string;
}

const PAYS: TestCard = { behaviour: 'succeeds' };
const declines = (declineCode: string): TestCard => ({ behaviour: 'declines', declineCode });

/**
 * The card numbers on Stripe's test-card list (docs.stripe.com/testing); any other number, even a valid one,
 * is refused as Stripe refuses real cards in test mode.
 */
export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  '4242424242424242': PAYS,
  '4000056655665556': PAYS,
  '4000003560000008': PAYS,
  '5555555555554444': PAYS,
  '2223003122003222': PAYS,
  '5200828282828210': PAYS,
  '5105105105105100': PAYS,
  '378282246310005': PAYS,
  '371449635398431': PAYS,
  '6011111111111117': PAYS,
  '6011000990139424': PAYS,
  '6011981111111113': PAYS,
  '3056930009020004': PAYS,
  '36227206271667': PAYS,
  '6555900000604105': PAYS,
  '3566002020360505': PAYS,
  '6200000000000005': PAYS,
  '6200000000000047': PAYS,
  '4000000000000341': { behaviour: 'declines_on_charge', declineCode: 'generic_decline' },
  '4000000000000002': declines('generic_decline'),
  '4000000000009995': declines('insufficient_funds'),
  '4000000000009987': declines('lost_card'),
  '4000000000009979': declines('stolen_card'),
  '4000000000000069': declines('expired_card'),
  '4000000000000127': declines('incorrect_cvc'),
  '4000000000000119': declines('processing_error'),
  '4100000000000019': declines('fraudulent'),
};

/** Test cards as people type them, for the hints on the hosted pages. */
export const TEST_CARD_HINTS = [
  { number: '4242 4242 4242 4242', behaviour: 'succeeds' },
  { number: '5555 5555 5555 4444', behaviour: 'succeeds' },
  { number: '4000 0000 0000 0341', behaviour: 'declines_on_charge' },
  { number: '4000 0000 0000 0002', behaviour: 'declines' },
] as const;

export const DECLINE_MESSAGE = 'Your card was declined.';

/** Whether a number passes the Luhn check every card number carries in its last digit. */
export function isLuhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The card brand as Stripe names it, from the number's leading digits (IIN ranges). */
export function cardBrand(number: string): string {
  const two = Number(number.slice(0, 2));
  const four = Number(number.slice(0, 4));
  if (number.startsWith('4')) return 'visa';
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  if (two === 34 || two === 37) return 'amex';
  if (number.startsWith('6011') || number.startsWith('65') || (Number(number.slice(0, 3)) >= 644 && Number(number.slice(0, 3)) <= 649)) return 'discover';
  if (two === 36 || two === 38 || two === 39 || (Number(number.slice(0, 3)) >= 300 && Number(number.slice(0, 3)) <= 305)) return 'diners';
  if (four >= 3528 && four <= 3589) return 'jcb';
  if (two === 62) return 'unionpay';
  return 'unknown';
}

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
  const known = isLuhnValid(number) ? TEST_CARDS[number] : undefined;
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
    card: { number, brand: cardBrand(number), last4: number.slice(-4), expMonth, expYear },
  };
}

/** Whether a saved card can be charged now. */
export function chargeOutcome(card: CardRecord): { ok: true } | { ok: false; declineCode: string; message: string } {
  const known = TEST_CARDS[card.number];
  if (known?.behaviour === 'succeeds') return { ok: true };
  return { ok: false, declineCode: known?.declineCode ?? 'generic_decline', message: DECLINE_MESSAGE };
}
