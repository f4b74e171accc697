// The comparison form of names, used wherever people are looked up by name: the console search
// (supporters.search_key) and bank payer matching (supporters.name_keys). One normaliser, so that
// what is stored and what is typed or printed by a bank always fold the same way.

import { foldKanjiVariants } from './kanji-variants';

// Small kana and letters banks print differently are folded to one form (bank statements have no
// small kana: ｻｸﾗﾃﾂｸ is サクラテック).
const KANA_FOLD: Record<string, string> = {
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
// A vowel that only lengthens the one before it (ou, oo, uu, ei), dropped like ー.
const LONG_VOWEL = new RegExp(`([${O_ROW}])[ウオ]|([${U_ROW}])ウ|([${E_ROW}])イ`, 'g');
// What a bank puts before the name on some statements (振込, フリコミ).
const PREFIX = /^(?:フリコミ|振込み?|振替)[\s.:：]*/;
// Separators people and banks put inside names (dropped: 山田 花子 and 山田花子 are one name).
const SEPARATORS = /[\s\u3000ー‐\-−–—―・.,･'’"]/g;

/**
 * Legal forms of organisations and the bank abbreviation each becomes (全銀協 法人略語: 株式会社 カ,
 * 有限会社 ユ, 合同会社 ド, 特定非営利活動法人 トクヒ, …; as listed by Japanese banks, e.g. the
 * Keiyo Bank's guide to payee names, keiyobank.co.jp/alpha_dbank/internet/typing.html). Longer forms
 * first, so 地方独立行政法人 is not read as 独立行政法人.
 */
const LEGAL_FORMS: [RegExp, string][] = [
  [/特定非営利活動法人|NPO法人|\(特非\)|トクテイヒエイリカツドウホウジン/gi, 'トクヒ'],
  [/株式会社|\(株\)|カブシキガイシ[ヤャ]|カブシキカイシ[ヤャ]/g, 'カ'],
  [/有限会社|\(有\)|ユウゲンガイシ[ヤャ]/g, 'ユ'],
  [/合同会社|ゴウドウガイシ[ヤャ]/g, 'ド'],
  [/合名会社/g, 'メ'],
  [/合資会社/g, 'シ'],
  [/相互会社/g, 'ソ'],
  [/医療法人(?:社団|財団)?|社会医療法人|\(医\)/g, 'イ'],
  [/(?:一般|公益)?財団法人|\(財\)/g, 'ザイ'],
  [/(?:一般|公益)?社団法人|\(社\)/g, 'シヤ'],
  [/宗教法人/g, 'シユウ'],
  [/学校法人|\(学\)/g, 'ガク'],
  [/社会福祉法人|\(福\)/g, 'フク'],
  [/更生保護法人/g, 'ホゴ'],
  [/地方独立行政法人/g, 'チドク'],
  [/独立行政法人/g, 'ドク'],
  [/弁護士法人/g, 'ベン'],
  [/(?:有限|無限)責任中間法人/g, 'チユウ'],
  [/行政書士法人/g, 'ギヨ'],
  [/司法書士法人/g, 'シホウ'],
  [/税理士法人/g, 'ゼイ'],
  [/(?:国立|公立)大学法人/g, 'ダイ'],
  [/農事組合法人/g, 'ノウ'],
];
const ABBREVIATIONS = 'トクヒ|チドク|シユウ|シホウ|ザイ|シヤ|ガク|フク|ホゴ|ドク|ベン|チユウ|ギヨ|ゼイ|ダイ|ノウ|カ|ユ|ド|メ|シ|ソ|イ';
// In bank notation the bracket shows where the form stands: カ)名前, 名前(カ, 名前(カ)支店.
const BANK_FORM = new RegExp(`\\((${ABBREVIATIONS})\\)|^(${ABBREVIATIONS})\\)|\\((${ABBREVIATIONS})$`, 'g');

/** NFKC (full-width Latin and digits, half-width kana), marks off Latin letters (Müller → muller), lower case, katakana, one kanji form. */
function foldCharacters(value: string): string {
  return foldKanjiVariants(
    value
      .normalize('NFKC')
      .normalize('NFD')
      // Only the combining marks of Latin letters: kana voicing marks (U+3099) stay.
      .replace(/[\u0300-\u036f]/g, '')
      .normalize('NFC')
      .toLowerCase()
      .replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60)),
  );
}

function foldKana(value: string): string {
  return Array.from(value, (c) => KANA_FOLD[c] ?? c)
    .join('')
    .replace(LONG_VOWEL, '$1$2$3');
}

/**
 * A name split into its body and the legal forms it carries (each as its bank abbreviation):
 * ｶ)ｻｸﾗﾃｯｸ and 株式会社サクラテック are both { body: 'サクラテツク', forms: ['カ'] }.
 */
export function readName(value: string): { body: string; forms: string[] } {
  const forms: string[] = [];
  let text = foldCharacters(value).trim().replace(PREFIX, '');
  for (const [pattern, abbreviation] of LEGAL_FORMS)
    text = text.replace(pattern, () => {
      forms.push(abbreviation);
      return ' ';
    });
  text = Array.from(text, (c) => KANA_FOLD[c] ?? c).join('');
  text = text
    .split(/[\s\u3000]+/)
    .map((word) =>
      word.replace(BANK_FORM, (_m, a?: string, b?: string, c?: string) => {
        forms.push((a ?? b ?? c)!);
        return ' ';
      }),
    )
    .join(' ');
  return { body: foldKana(text.replace(SEPARATORS, '')), forms };
}

/** The comparison key of a name: 山田 花子, 山田花子 and 髙田 → 高田 alike; ﾔﾏﾀﾞ ﾊﾅｺ and やまだはなこ alike; legal forms left out. */
export function nameKey(value: string): string {
  return readName(value).body;
}

/** A legal form as it is stored in search text: (カ). */
export const formWord = (abbreviation: string) => `(${abbreviation})`;

/** The words of a search box entry in the stored key's form (each must appear); at most six. */
export function searchWords(query: string): string[] {
  const words: string[] = [];
  for (const word of query.split(/[\s\u3000]+/)) {
    const { body, forms } = readName(word);
    if (body) words.push(body);
    words.push(...forms.map(formWord));
  }
  return [...new Set(words)].slice(0, 6);
}

export interface NameParts {
  familyName: string;
  givenName: string;
  familyNameKana: string | null;
  givenNameKana: string | null;
  organisationName: string | null;
  email: string;
}

/** The keys a bank payer name is compared with: 姓名 and 名姓 (many supporters are not Japanese), written and in kana, and the organisation. */
export function payerKeysOf(p: NameParts): string[] {
  const pairs = [
    [p.familyNameKana ?? '', p.givenNameKana ?? ''],
    [p.familyName, p.givenName],
  ];
  const keys = pairs.flatMap(([family, given]) => [nameKey(family! + ' ' + given!), nameKey(given! + ' ' + family!)]);
  if (p.organisationName) keys.push(nameKey(p.organisationName));
  return [...new Set(keys)].filter((k) => [...k].length >= 2);
}

/** The text the console search looks in: each name both ways round, the kana, the organisation with its legal form, the email. */
export function searchKeyOf(p: NameParts): string {
  const names = [
    nameKey(p.familyName + ' ' + p.givenName),
    nameKey(p.givenName + ' ' + p.familyName),
    nameKey((p.familyNameKana ?? '') + ' ' + (p.givenNameKana ?? '')),
    nameKey((p.givenNameKana ?? '') + ' ' + (p.familyNameKana ?? '')),
  ];
  const organisation = readName(p.organisationName ?? '');
  const email = foldCharacters(p.email).replace(SEPARATORS, '');
  return [...new Set([...names, organisation.body, ...organisation.forms.map(formWord), email])].filter(Boolean).join(' ');
}
