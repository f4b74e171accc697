import { displayName } from '../../src/features/supporters';

const person = (familyName: string, givenName: string) => ({ kind: 'individual' as const, organisationName: null, familyName, givenName });

describe('displayName', () => {
  test('when the reader reads English, then a Latin name puts the given name first', () => {
    expect(displayName(person('Hassan', 'Amina'), 'en')).toBe('Amina Hassan');
  });

  test('when the reader reads Japanese, then the family name comes first', () => {
    expect(displayName(person('Hassan', 'Amina'), 'ja')).toBe('Hassan Amina');
    expect(displayName(person('山田', '花子'))).toBe('山田 花子');
  });

  test('when a name is written in kanji or kana, then it keeps its own order in English too', () => {
    expect(displayName(person('山田', '花子'), 'en')).toBe('山田 花子');
  });

  test('when the supporter is an organisation, then its name is printed as it is', () => {
    expect(displayName({ kind: 'organisation', organisationName: '株式会社サクラテック', familyName: '佐藤', givenName: '一郎' }, 'en')).toBe('株式会社サクラテック');
  });
});
