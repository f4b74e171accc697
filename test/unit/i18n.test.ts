import { catalog, formatYen, pick, t, tDynamic, tOrValue, translateKey } from '../../src/lib/i18n';

describe('i18n catalogs', () => {
  const ja = catalog('ja');
  const en = catalog('en');

  test('when a feature keeps its own message files, then both languages have one', () => {
    const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
    const files = fs.readdirSync(`${__dirname}/../../src/locales`);
    for (const file of files.filter((f) => f.endsWith('.ja.json'))) expect(files).toContain(file.replace('.ja.json', '.en.json'));
  });

  test('when a key exists in Japanese, then English has it too, and neither has extras', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ja).sort());
  });

  test('when a message is defined, then it is not empty in either language', () => {
    for (const [key, value] of [...Object.entries(ja), ...Object.entries(en)]) {
      expect({ key, empty: value.trim() === '' }).toEqual({ key, empty: false });
    }
  });

  test('when keys are named, then each is dotted and prefixed by its feature', () => {
    for (const key of Object.keys(ja)) expect(key).toMatch(/^[a-z]+(\.[a-zA-Z0-9_-]+)+$/);
  });

  test('when placeholders are used, then both languages use the same ones', () => {
    const names = (s: string) => (s.match(/\{(\w+)\}/g) ?? []).sort();
    for (const key of Object.keys(ja)) expect({ key, p: names(en[key]!) }).toEqual({ key, p: names(ja[key]!) });
  });
});

describe('t, pick and formatYen', () => {
  test('when a placeholder is given, then it is filled', () => {
    expect(t('ja', 'home.plans.perMonth', { amount: '¥5,000' })).toBe('¥5,000 / 月');
    expect(t('en', 'home.plans.perMonth', { amount: '¥5,000' })).toBe('¥5,000 / month');
  });

  test('when a key is misspelt in TypeScript, then it does not compile; a key built at run time needs a real prefix', () => {
    // The type check (npm test runs tsc first) fails if these lines stop being errors.
    // @ts-expect-error: not a message key
    const misspelt = () => t('ja', 'giving.gifts.list.titel');
    // @ts-expect-error: not the beginning of any key
    const badPrefix = () => tDynamic('ja', 'giving.gift.', 'x');
    expect([typeof misspelt, typeof badPrefix]).toEqual(['function', 'function']);
    expect(tDynamic('en', 'errors.', '404.title')).toBe(t('en', 'errors.404.title'));
    expect(tOrValue('en', 'giving.method.', 'no_such_method')).toBe('no_such_method');
  });

  test('when a key is unknown, then the key itself is shown', () => {
    expect(translateKey('en', 'no.such.key')).toBe('no.such.key');
  });

  test('when the English side of a setting is empty, then Japanese is used', () => {
    expect(pick({ ja: '東京', en: '' }, 'en')).toBe('東京');
    expect(pick({ ja: '東京', en: 'Tokyo' }, 'en')).toBe('Tokyo');
  });

  test('when yen are formatted, then there are no decimals', () => {
    expect(formatYen(1000)).toBe('￥1,000');
    expect(formatYen(10000, 'en')).toBe('¥10,000');
  });
});
