import { bestCandidate, indexCandidates, nameKey, rankCandidates, type MatchCandidate } from '../../src/features/giving/payer-match';
import { payerKeysOf } from '../../src/lib/name-key';
import { parseLineChoices } from '../../src/features/giving/offline-gifts.schemas';

const person = (id: string, family: string | null, given: string | null, planAmounts: number[] = [], paidAs: string[] = []): MatchCandidate => ({
  id,
  nameKeys: payerKeysOf({ familyName: '', givenName: '', familyNameKana: family, givenNameKana: given, organisationName: null, email: `${id}@example.jp` }),
  planAmounts,
  paidAs,
});

describe('payer name keys', () => {
  test('when the bank writes a name half-width, with spaces, a prefix, small kana or long-vowel variants, then the key is the same', () => {
    expect(nameKey('ﾔﾏﾀﾞ ﾊﾅｺ')).toBe(nameKey('ヤマダハナコ'));
    expect(nameKey('ﾌﾘｺﾐ ﾔﾏﾀﾞ ﾊﾅｺ')).toBe(nameKey('ヤマダ ハナコ'));
    expect(nameKey('ｼﾞﾖ-ﾝｽﾞ')).toBe(nameKey('ジョーンズ'));
    expect(nameKey('ｻﾄｳ ﾕｳｺ')).toBe(nameKey('サトー ユーコ'));
    expect(nameKey('ｵｵﾀ')).toBe(nameKey('オータ'));
    expect(nameKey('ｹｲｺ')).toBe(nameKey('ケーコ'));
    expect(nameKey('やまだ　はなこ')).toBe(nameKey('ヤマダ ハナコ'));
  });

  test('when names differ in more than spelling, then the keys differ', () => {
    expect(nameKey('ヤマダ ハナコ')).not.toBe(nameKey('ヤマダ ハルコ'));
    expect(nameKey('サトウ')).not.toBe(nameKey('サイトウ'));
  });
});

describe('matching a payer to supporters', () => {
  const index = indexCandidates([
    person('hanako-monthly', 'ヤマダ', 'ハナコ', [5000]),
    person('hanako', 'ヤマダ', 'ハナコ'),
    person('emily', 'ジョーンズ', 'エミリー'),
    person('no-kana', null, null),
    person('yuki-1', 'サトウ', 'ユキ'),
    person('yuki-2', 'サトウ', 'ユキ'),
  ]);

  test('when two supporters share the name, then the one whose monthly plan equals the amount is suggested', () => {
    const ranked = rankCandidates('ﾔﾏﾀﾞ ﾊﾅｺ', 5000, index);
    expect(ranked.map((r) => [r.id, r.reasons])).toEqual([
      ['hanako-monthly', ['name', 'plan']],
      ['hanako', ['name']],
    ]);
    expect(bestCandidate(ranked)?.id).toBe('hanako-monthly');
  });

  test('when two supporters share the name and nothing else tells them apart, then none is suggested but both are candidates', () => {
    const ranked = rankCandidates('ｻﾄｳ ﾕｷ', 1000, index);
    expect(ranked.map((r) => r.id).sort()).toEqual(['yuki-1', 'yuki-2']);
    expect(bestCandidate(ranked)).toBeUndefined();
  });

  test('when the bank writes 名 then 姓, or puts other words before the name, then the supporter is still found', () => {
    expect(bestCandidate(rankCandidates('ｴﾐﾘｰ ｼﾞﾖｰﾝｽﾞ', 1000, index))?.id).toBe('emily');
    expect(bestCandidate(rankCandidates('ｷﾌ ｼﾞﾖｰﾝｽﾞ ｴﾐﾘｰ', 1000, index))).toMatchObject({ id: 'emily', reasons: ['nameEnd'] });
  });

  test('when a supporter paid under this exact payer name before, then they come first, above namesakes with a matching plan', () => {
    const withHistory = indexCandidates([
      person('namesake-monthly', 'ヤマダ', 'ハナコ', [5000]),
      person('namesake', 'ヤマダ', 'ハナコ'),
      person('paid-before', 'ヤマダ', 'ハナコ', [], ['ﾔﾏﾀﾞ ﾊﾅｺ']),
      person('parent', 'スズキ', 'イチロウ', [], ['ﾔﾏﾀﾞ ﾊﾅｺ ']),
    ]);
    const ranked = rankCandidates('ﾔﾏﾀﾞ ﾊﾅｺ', 5000, withHistory);
    expect(ranked[0]).toEqual({ id: 'paid-before', score: 30, reasons: ['paidBefore', 'name'] });
    expect(bestCandidate(ranked)?.id).toBe('paid-before');
    // "Exact" is exact: another spelling of the payer is not the same history.
    expect(ranked.map((r) => r.id)).not.toContain('parent');
  });

  test('when a plan amount is all a supporter shares with the payer, then they are no candidate', () => {
    expect(rankCandidates('ﾀｶﾊｼ ｹﾝ', 5000, index)).toEqual([]);
  });

  test('when nobody matches, then there is no suggestion', () => {
    expect(rankCandidates('ﾀｶﾊｼ ｹﾝ', 1000, index)).toEqual([]);
  });
});

describe('review choices', () => {
  test('when the review form is posted, then each line_<id> becomes a choice and empty ones are left for later', () => {
    const id = '7d1f3c1e-8d1b-4f5e-9a7e-2b0c1d2e3f40';
    expect([...parseLineChoices({ _csrf: 'x', line_1: `s:${id}`, line_2: 'skip', line_3: 'new', line_4: '' })!]).toEqual([
      [1, { kind: 'supporter', supporterId: id }],
      [2, { kind: 'skip' }],
      [3, { kind: 'new' }],
    ]);
  });

  test('when a choice is an array or unknown, then the whole form is refused', () => {
    expect(parseLineChoices({ line_1: ['skip', 'new'] })).toBeUndefined();
    expect(parseLineChoices({ line_1: 'delete' })).toBeUndefined();
    expect(parseLineChoices({ line_1: "s:1' OR 1=1" })).toBeUndefined();
  });
});
