// Matching a bank payer name (カタカナ, as the bank printed it) to supporters' フリガナ.

import { toKatakana } from '../../lib/text';

// Small kana and letters banks print differently are folded to one form before comparing.
const FOLD: Record<string, string> = {
  ァ: 'ア',
  ィ: 'イ',
  ゥ: 'ウ',
  ェ: 'エ',
  ォ: 'オ',
  ッ: 'ツ',
  ャ: 'ヤ',
  ュ: 'ユ',
  ョ: 'ヨ',
  ヮ: 'ワ',
  ヵ: 'カ',
  ヶ: 'ケ',
  ヂ: 'ジ',
  ヅ: 'ズ',
  ヲ: 'オ',
  ヴ: 'ブ',
  ヰ: 'イ',
  ヱ: 'エ',
};
const O_ROW = 'オコゴソゾトドノホボポモヨロ';
const U_ROW = 'ウクグスズツヌフブプムユル';
const E_ROW = 'エケゲセゼテデネヘベペメレ';
// What a bank puts before the name on some statements (振込, フリコミ).
const PREFIX = /^(?:フリコミ|振込み?|振替)[\s.:：]*/;

/**
 * The comparison key of a katakana name: full-width, prefix and spaces removed, small kana made
 * large, and long vowels folded (ユーコ, ユウコ, ﾕ-ｺ and ユコ are one key; so are サトウ and サトー).
 */
export function nameKey(value: string): string {
  const wide = toKatakana(value).toUpperCase().replace(PREFIX, '');
  const flat = [...wide.replace(/[\s\u3000ー‐\-−–—―・.,･]/g, '')].map((c) => FOLD[c] ?? c).join('');
  // A vowel that only lengthens the one before it (ou, oo, uu, ei) is dropped, like ー above.
  return flat.replace(new RegExp(`([${O_ROW}])[ウオ]|([${U_ROW}])ウ|([${E_ROW}])イ`, 'g'), '$1$2$3');
}

export interface MatchCandidate {
  id: string;
  familyNameKana: string | null;
  givenNameKana: string | null;
  /** Amounts of the supporter's current monthly plans (¥). */
  planAmounts: number[];
}

export type MatchReason = 'namePlan' | 'name' | 'nameEnd' | 'nameEndPlan';

export interface RankedCandidate {
  id: string;
  score: number;
  reason: MatchReason;
}

export interface CandidateIndex {
  byKey: Map<string, MatchCandidate[]>;
}

/** Indexes supporters by the keys of 姓名 and of 名姓 (many supporters are not Japanese). */
export function indexCandidates(candidates: MatchCandidate[]): CandidateIndex {
  const byKey = new Map<string, MatchCandidate[]>();
  const add = (key: string, c: MatchCandidate) => {
    if (key.length < 2) return;
    const list = byKey.get(key) ?? [];
    if (!list.includes(c)) list.push(c);
    byKey.set(key, list);
  };
  for (const c of candidates) {
    const family = c.familyNameKana ?? '';
    const given = c.givenNameKana ?? '';
    if (!family && !given) continue;
    add(nameKey(family + given), c);
    if (family && given) add(nameKey(given + family), c);
  }
  return { byKey };
}

// Shorter tails than this match too many names (a bare 姓 like サトウ).
const MIN_TAIL = 4;

/**
 * Supporters whose name matches the payer, best first: the whole name (score 10) or the end of a
 * longer payer text (6), plus 5 when a monthly plan of theirs equals the amount.
 */
export function rankCandidates(payer: string, amount: number, index: CandidateIndex): RankedCandidate[] {
  const key = nameKey(payer);
  const found = new Map<string, RankedCandidate>();
  const consider = (list: MatchCandidate[] | undefined, base: number) => {
    for (const c of list ?? []) {
      const plan = c.planAmounts.includes(amount);
      const score = base + (plan ? 5 : 0);
      const reason: MatchReason = base === 10 ? (plan ? 'namePlan' : 'name') : plan ? 'nameEndPlan' : 'nameEnd';
      if ((found.get(c.id)?.score ?? -1) < score) found.set(c.id, { id: c.id, score, reason });
    }
  };
  consider(index.byKey.get(key), 10);
  for (let i = 1; key.length - i >= MIN_TAIL; i++) consider(index.byKey.get(key.slice(i)), 6);
  return [...found.values()].sort((a, b) => b.score - a.score);
}

/** The one supporter to suggest: the best match when no other scores the same. */
export function bestCandidate(ranked: RankedCandidate[]): RankedCandidate | undefined {
  const [first, second] = ranked;
  return first && (!second || second.score < first.score) ? first : undefined;
}
