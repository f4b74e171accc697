// Matching a bank payer name (カタカナ, as the bank printed it) to supporters: first whoever paid under
// that exact payer name before, then the same name in the comparison form of src/lib/name-key.ts
// (supporters.name_keys), then a name at the end of a longer payer text.

import { nameKey } from '../../lib/name-key';

export { nameKey };

export interface MatchCandidate {
  id: string;
  /** supporters.name_keys: 姓名 and 名姓, written and in kana, and the organisation. */
  nameKeys: string[];
  /** Amounts of the supporter's current monthly plans (¥). */
  planAmounts: number[];
  /** Payer names (exactly as printed) under which bank gifts of theirs were recorded. */
  paidAs: string[];
}

/** Why a candidate is suggested, strongest first. */
export type MatchReason = 'paidBefore' | 'name' | 'nameEnd' | 'plan';

export interface RankedCandidate {
  id: string;
  score: number;
  reasons: MatchReason[];
}

export interface CandidateIndex {
  byKey: Map<string, MatchCandidate[]>;
  byPayer: Map<string, MatchCandidate[]>;
}

// Shorter tails than this match too many names (a bare 姓 like サトウ).
const MIN_TAIL = 4;

/** The keys a payer name is looked up by: the whole name, then each tail of 4+ characters (a name after a company or a note). */
export function lookupKeys(payer: string): string[] {
  const key = [...nameKey(payer)];
  const keys = key.length >= 2 ? [key.join('')] : [];
  for (let i = 1; key.length - i >= MIN_TAIL; i++) keys.push(key.slice(i).join(''));
  return keys;
}

/** Indexes the candidates by their name keys and by the payer names they paid under. */
export function indexCandidates(candidates: MatchCandidate[]): CandidateIndex {
  const byKey = new Map<string, MatchCandidate[]>();
  const byPayer = new Map<string, MatchCandidate[]>();
  const add = (map: Map<string, MatchCandidate[]>, key: string, c: MatchCandidate) => {
    const list = map.get(key) ?? [];
    if (!list.includes(c)) list.push(c);
    map.set(key, list);
  };
  for (const c of candidates) {
    for (const key of c.nameKeys) add(byKey, key, c);
    for (const payer of c.paidAs) add(byPayer, payer, c);
  }
  return { byKey, byPayer };
}

/**
 * Supporters the payer may be, best first: paid under this exact payer name before (20), the whole
 * name (10) or the end of a longer payer text (6), and 5 more when a monthly plan equals the amount.
 */
export function rankCandidates(payer: string, amount: number, index: CandidateIndex): RankedCandidate[] {
  const found = new Map<string, { c: MatchCandidate; paid: boolean; name: 0 | 6 | 10 }>();
  const entry = (c: MatchCandidate) => found.get(c.id) ?? found.set(c.id, { c, paid: false, name: 0 }).get(c.id)!;
  for (const c of index.byPayer.get(payer) ?? []) entry(c).paid = true;
  const [whole, ...tails] = lookupKeys(payer);
  for (const c of (whole && index.byKey.get(whole)) || []) entry(c).name = 10;
  for (const tail of tails) for (const c of index.byKey.get(tail) ?? []) if (entry(c).name === 0) entry(c).name = 6;
  const ranked = [...found.values()].map(({ c, paid, name }) => {
    const plan = c.planAmounts.includes(amount);
    const reasons: MatchReason[] = [];
    if (paid) reasons.push('paidBefore');
    if (name === 10) reasons.push('name');
    if (name === 6) reasons.push('nameEnd');
    // A plan alone suggests nobody: it only ranks namesakes.
    if (plan && reasons.length) reasons.push('plan');
    return { id: c.id, score: (paid ? 20 : 0) + name + (plan ? 5 : 0), reasons };
  });
  return ranked.sort((a, b) => b.score - a.score);
}

/** The one supporter to suggest: the best match when no other scores the same. */
export function bestCandidate(ranked: RankedCandidate[]): RankedCandidate | undefined {
  const [first, second] = ranked;
  return first && (!second || second.score < first.score) ? first : undefined;
}
