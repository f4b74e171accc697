// Text normalisation for Japanese names and kana (NFKC only where DESIGN.md allows it; email addresses: email-address.ts).

// C0/C1 control characters other than tab and newlines; never valid in a name or an email.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]/;

/** True when a string contains a control or invisible formatting character. */
export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/** The text with each control or invisible formatting character replaced by a space (search terms). */
export function withoutControlCharacters(value: string): string {
  return value.replace(new RegExp(CONTROL.source, 'g'), ' ');
}

/** Full-width katakana from kana input: half-width is widened (NFKC), hiragana becomes katakana. */
export function toKatakana(value: string): string {
  return value
    .normalize('NFKC')
    .trim()
    .replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60))
    .replace(/[\s\u3000]+/g, ' ');
}

/** True when the value is full-width katakana (with ー, ・ and spaces). */
export function isKatakana(value: string): boolean {
  return /^[\u30A1-\u30FA\u30FC\u30FB\u30FD\u30FE ]+$/.test(value);
}

/** Trims and folds runs of white space to one space (names, organisation names). */
export function cleanText(value: string): string {
  return value.trim().replace(/[\s\u3000]+/g, ' ');
}
