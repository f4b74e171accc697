// Fonts for receipt PDFs: Noto Sans JP (TrueType, from @expo-google-fonts/noto-sans-jp) embedded as a
// subset. The files are read and parsed once per process; pdfkit accepts the parsed fontkit font, so no
// document pays for parsing 5 MB of font again.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The few members of a parsed fontkit font that this module relies on. */
interface ParsedFont {
  postscriptName: string;
  hasGlyphForCodePoint(codePoint: number): boolean;
  layout(text: string): unknown;
}

interface Fontkit {
  create(data: Uint8Array): ParsedFont;
}

/** What the layout needs to draw text: a font source per weight and a filter for unprintable text. */
export interface ReceiptTypeface {
  /** A pdfkit font source: a standard font name or a parsed font object. */
  regular: unknown;
  bold: unknown;
  /** Turns any input string into one line of text this typeface can draw. */
  printable(text: string): string;
}

const FONT_PACKAGE = '@expo-google-fonts/noto-sans-jp';
const REGULAR_FILE = `${FONT_PACKAGE}/400Regular/NotoSansJP_400Regular.ttf`;
const BOLD_FILE = `${FONT_PACKAGE}/700Bold/NotoSansJP_700Bold.ttf`;

let notoSansJp: ReceiptTypeface | undefined;

/** The embedded Japanese typeface, loaded and parsed on first use and cached for the process. */
export function loadNotoSansJp(): ReceiptTypeface {
  if (notoSansJp) return notoSansJp;
  // Parse with the fontkit that pdfkit itself uses, so the objects are the ones it expects.
  const fontkit = createRequire(require.resolve('pdfkit'))('fontkit') as Fontkit;
  const regular = fontkit.create(readFileSync(resolveFontFile(REGULAR_FILE)));
  const bold = fontkit.create(readFileSync(resolveFontFile(BOLD_FILE)));
  notoSansJp = { regular, bold, printable: printableWith(regular) };
  return notoSansJp;
}

/** pdfkit's built-in Helvetica (no embedding); only for Latin text, e.g. as a benchmark baseline. */
export function standardTypeface(): ReceiptTypeface {
  return { regular: 'Helvetica', bold: 'Helvetica-Bold', printable: toOneLine };
}

function resolveFontFile(file: string): string {
  try {
    return require.resolve(file);
  } catch (error) {
    throw new Error(`Receipt font ${file} is missing: run npm install (package ${FONT_PACKAGE}).`, { cause: error });
  }
}

// Control characters (tabs, newlines, bidi overrides) never reach the page: text from people is one line.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;

function toOneLine(text: string): string {
  return text.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

// Latin diacritics the font has no precomposed glyph for: drawn alone they land on the wrong letter.
const LATIN_MARK = /^[\u0300-\u036f]$/;

// A character the font lacks would print as an empty box; instead it is decomposed (Ğ → G + ̆) and its
// base letter kept, so "Doğan" prints "Dogan"; what has no printable part (an emoji) is left out.
function printableWith(font: ParsedFont): (text: string) => string {
  const known = new Map<string, string>();
  const has = (char: string) => !LATIN_MARK.test(char) && font.hasGlyphForCodePoint(char.codePointAt(0) ?? 0);
  const printChar = (char: string): string => {
    let printed = known.get(char);
    if (printed === undefined) {
      printed = has(char) ? char : [...char.normalize('NFD')].filter(has).join('');
      known.set(char, printed);
    }
    return printed;
  };
  return (text) => {
    let out = '';
    for (const char of toOneLine(text).normalize('NFC')) out += char === ' ' ? ' ' : printChar(char);
    return out.replace(/ {2,}/g, ' ').trim();
  };
}
