import { nameKey, payerKeysOf, searchKeyOf, searchWords, type NameParts } from '../../src/lib/name-key';

const parts = (p: Partial<NameParts>): NameParts => ({
  familyName: '',
  givenName: '',
  familyNameKana: null,
  givenNameKana: null,
  organisationName: null,
  email: 'x@example.jp',
  ...p,
});

/** True when every search word of the query is in the stored key, as the console search asks. */
const finds = (query: string, p: Partial<NameParts>) => {
  const key = searchKeyOf(parts(p));
  const words = searchWords(query);
  return words.length > 0 && words.every((w) => key.includes(w));
};

describe('name keys (one form for search and payer matching)', () => {
  const hanako = { familyName: '山田', givenName: '花子', familyNameKana: 'ヤマダ', givenNameKana: 'ハナコ' };

  test('when a name is typed without a space, in hiragana or in half-width katakana, then it finds 山田 花子 / ヤマダ ハナコ', () => {
    for (const q of ['山田花子', '山田 花子', '花子 山田', 'ヤマダハナコ', 'やまだはなこ', 'ﾔﾏﾀﾞﾊﾅｺ', 'ﾔﾏﾀﾞ ﾊﾅｺ', 'ハナコ', 'やまだ'])
      expect([q, finds(q, hanako)]).toEqual([q, true]);
    expect(finds('山田太郎', hanako)).toBe(false);
    expect(nameKey('ﾔﾏﾀﾞ')).toBe('ヤマダ');
  });

  test('when a name is written with a kanji variant (異体字), then it is the same name', () => {
    expect(nameKey('髙橋')).toBe(nameKey('高橋'));
    expect(nameKey('𠮷男')).toBe(nameKey('吉男'));
    expect(nameKey('齋藤')).toBe(nameKey('斎藤'));
    expect(nameKey('斉藤')).toBe(nameKey('斎藤'));
    expect(nameKey('渡邊')).toBe(nameKey('渡辺'));
    expect(nameKey('渡邉')).toBe(nameKey('渡辺'));
    expect(nameKey('山﨑')).toBe(nameKey('山崎'));
    expect(nameKey('濵田')).toBe(nameKey('浜田'));
    expect(nameKey('濱田')).toBe(nameKey('浜田'));
    // An ideographic variation selector (葛 with U+E0100) only picks a glyph.
    expect(nameKey('葛\u{E0100}西')).toBe(nameKey('葛西'));
    expect(finds('高橋', { familyName: '髙橋', givenName: '一郎' })).toBe(true);
    expect(finds('吉男', { familyName: '田中', givenName: '𠮷男' })).toBe(true);
  });

  test('when a Latin name is typed without accents, in capitals or full-width, then it finds Müller', () => {
    const muller = { familyName: 'Müller', givenName: 'Anna' };
    for (const q of ['muller', 'MULLER', 'ＭＵＬＬＥＲ', 'Müller', 'anna muller', 'annamuller', 'mullerａｎｎａ']) expect([q, finds(q, muller)]).toEqual([q, true]);
    expect(nameKey('Ｊｏｓé １２')).toBe('jose12');
  });

  test('when a bank writes small-kana-less, upper-case, half-width katakana, then ﾂ is ッ and the name matches', () => {
    expect(nameKey('ｻｸﾗﾃﾂｸ')).toBe(nameKey('サクラテック'));
    expect(nameKey('ｼﾞﾖ-ﾝｽﾞ')).toBe(nameKey('ジョーンズ'));
    expect(nameKey('ﾌﾘｺﾐ ﾔﾏﾀﾞﾊﾅｺ')).toBe(nameKey('ヤマダ ハナコ'));
  });

  test('when an organisation is written in bank notation, then (カ), ｶ), (ｶ, (株) and 株式会社 are one legal form', () => {
    const sakura = { familyName: 'サクラテック', organisationName: '株式会社サクラテック' };
    for (const q of ['ｶ)ｻｸﾗﾃｯｸ', 'ｶ)ｻｸﾗﾃﾂｸ', '(カ)サクラテック', 'カ) サクラテック', 'サクラテック(カ', '(株)サクラテック', '㈱サクラテック', '株式会社', 'サクラテック'])
      expect([q, finds(q, sakura)]).toEqual([q, true]);
    // 有限会社 is ユ, not カ.
    expect(finds('ﾕ)ｻｸﾗﾃｯｸ', sakura)).toBe(false);
    expect(searchWords('ﾕ)ｻｸﾗﾃｯｸ')).toEqual(['サクラテツク', '(ユ)']);
    expect(searchWords('ﾄﾞ)ｱﾙﾌｧ')).toEqual(searchWords('合同会社アルファ'));
    expect(searchWords('ﾄｸﾋ)ｳｴﾙｼﾞｰ')).toEqual(searchWords('特定非営利活動法人ウエルジー'));
    expect(searchWords('ｼﾔ)ｻｸﾗｶｲ')).toEqual(searchWords('一般社団法人さくらかい'));
    expect(searchWords('ｻﾞｲ)ｻｸﾗｶｲ')).toEqual(searchWords('公益財団法人サクラカイ'));
  });

  test('when a payer name is matched, then the keys cover 姓名 and 名姓, written and in kana, and the organisation without its legal form', () => {
    expect(payerKeysOf(parts({ ...hanako }))).toEqual(expect.arrayContaining(['ヤマダハナコ', 'ハナコヤマダ', '山田花子']));
    expect(payerKeysOf(parts({ familyName: 'サクラテック', organisationName: '株式会社サクラテック' }))).toContain(nameKey('ｶ)ｻｸﾗﾃﾂｸ'));
    expect(payerKeysOf(parts({ familyName: 'Jones', givenName: 'Emily' }))).toContain(nameKey('EMILY JONES'));
  });

  test('when an email is searched, then its fragment is found', () => {
    expect(finds('Hanako.Yamada@', { ...hanako, email: 'hanako.yamada@example.jp' })).toBe(true);
  });
});
