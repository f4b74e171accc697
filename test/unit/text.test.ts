import { hasControlCharacters, isKatakana, toKatakana } from '../../src/lib/text';
import { tokyoDay, tokyoYear } from '../../src/lib/dates';

describe('text normalisation', () => {
  test('when kana is half-width or hiragana, then it becomes full-width katakana', () => {
    expect(toKatakana('ﾔﾏﾀﾞ')).toBe('ヤマダ');
    expect(toKatakana('やまだ　たろう')).toBe('ヤマダ タロウ');
    expect(isKatakana(toKatakana('ｱｲｳｴｵー'))).toBe(true);
    expect(isKatakana('山田')).toBe(false);
    expect(isKatakana('Yamada')).toBe(false);
  });

  test('when a value carries control or bidi characters, then they are detected', () => {
    expect(hasControlCharacters('abc\u0000')).toBe(true);
    expect(hasControlCharacters('a\u202Eb')).toBe(true);
    expect(hasControlCharacters('山田 太郎')).toBe(false);
  });
});

describe('Japan dates', () => {
  test('when a gift is made at 23:30 on 31 December in Japan, then it belongs to that day and year', () => {
    const instant = new Date('2026-12-31T14:30:00Z');
    expect(tokyoDay(instant)).toBe('2026-12-31');
    expect(tokyoYear(instant)).toBe(2026);
    expect(tokyoDay(new Date('2026-12-31T15:00:00Z'))).toBe('2027-01-01');
  });
});
