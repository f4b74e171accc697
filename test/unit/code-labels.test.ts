import { catalog } from '../../src/lib/i18n';
import { codeLists } from '../../src/web/code-lists';

// Every code staff or supporters may see (audit actions, consent sources, export formats and
// encodings, statuses, roles, queues…) is named in Japanese and English: none reaches a page raw.
describe('code labels', () => {
  const ja = catalog('ja');
  const en = catalog('en');
  const cases = Object.entries(codeLists).flatMap(([list, { prefix, codes }]) => codes.map((code) => [list, `${prefix}${code}`] as const));

  test('when the code lists are read from their sources, then every list has codes', () => {
    for (const [list, { codes }] of Object.entries(codeLists)) expect({ list, count: codes.length > 0 }).toEqual({ list, count: true });
  });

  test.each(cases)('when a %s code is shown, then %s has a Japanese and an English label', (_list, key) => {
    expect({ key, ja: typeof ja[key] === 'string' && ja[key] !== '' }).toEqual({ key, ja: true });
    expect({ key, en: typeof en[key] === 'string' && en[key] !== '' }).toEqual({ key, en: true });
  });

  test('when a Japanese label has brackets, question or exclamation marks, then they are full-width', () => {
    const halfWidth = cases.map(([, key]) => [key, ja[key] ?? ''] as const).filter(([, text]) => /[()?!]/.test(text));
    expect(halfWidth).toEqual([]);
  });
});
