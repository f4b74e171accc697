import fs from 'node:fs';
import path from 'node:path';
import { defaultSettings } from '../../config/organisation';
import { catalog } from '../../src/lib/i18n';

// Japanese copy uses full-width ？！（）: a half-width one beside a Japanese character is a slip.
const japanese = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\u3000-\\u303f\\uff01-\\uff60';
const halfWidthBesideJapanese = new RegExp(`[${japanese}][?!()]|[?!()][${japanese}]|\\([^()\\n]*[${japanese}][^()\\n]*\\)`, 'u');

const root = path.join(__dirname, '../..');

function viewFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return viewFiles(full);
    return e.name.endsWith('.hbs') ? [full] : [];
  });
}

/** Every Japanese text of a settings value (the `ja` side of each bilingual text). */
function japaneseSettings(value: unknown, at = ''): [string, string][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => japaneseSettings(v, `${at}.${i}`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => (k === 'ja' && typeof v === 'string' ? [[at, v] as [string, string]] : japaneseSettings(v, `${at}.${k}`)));
  }
  return [];
}

describe('Japanese punctuation', () => {
  test('when the pattern meets mixed punctuation, then it tells the slips from the right forms', () => {
    expect(halfWidthBesideJapanese.test('なりませんか?')).toBe(true);
    expect(halfWidthBesideJapanese.test('団体名(略称)')).toBe(true);
    expect(halfWidthBesideJapanese.test('お届け!')).toBe(true);
    expect(halfWidthBesideJapanese.test('なりませんか？ 団体名（略称）')).toBe(false);
    expect(halfWidthBesideJapanese.test('{{t "x" count=(number n)}} https://a.example/?lang=en')).toBe(false);
  });

  test('when a Japanese message is read, then no half-width ?!() sits beside Japanese text', () => {
    const slips = Object.entries(catalog('ja')).filter(([, text]) => halfWidthBesideJapanese.test(text));
    expect(slips).toEqual([]);
  });

  test('when the default settings are read, then their Japanese texts use full-width punctuation', () => {
    const slips = japaneseSettings(defaultSettings).filter(([, text]) => halfWidthBesideJapanese.test(text));
    expect(slips).toEqual([]);
  });

  test('when a template holds Japanese text, then it uses full-width punctuation', () => {
    const slips = viewFiles(path.join(root, 'views')).flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ file: path.relative(root, file), line: i + 1, text: line.trim() }))
        .filter(({ text }) => halfWidthBesideJapanese.test(text)),
    );
    expect(slips).toEqual([]);
  });
});
