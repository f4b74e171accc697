import iconv from 'iconv-lite';
import type { ReplacedCharacter } from '../../db/schema';
import { csvLine, type CsvValue } from '../../lib/csv';

export const encodings = ['utf8', 'cp932'] as const;
export type Encoding = (typeof encodings)[number];

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

// Characters that Unicode and CP932 spell differently (the classic "Shift_JIS vs Windows" pairs):
// the CP932 look-alike is what a Japanese reader expects to see.
const CP932_LOOKALIKES: Record<string, string> = {
  '\u301C': '\uFF5E', // 〜 WAVE DASH → ～
  '\u2016': '\u2225', // ‖ → ∥
  '\u2212': '\uFF0D', // − MINUS SIGN → －
  '\u00A2': '\uFFE0', // ¢ → ￠
  '\u00A3': '\uFFE1', // £ → ￡
  '\u00AC': '\uFFE2', // ¬ → ￢
  '\u2014': '\u2015', // — EM DASH → ―
};
const FALLBACK = '?';
const ASCII_ONLY = /^[\x00-\x7F]*$/;

/** Encodes export text as UTF-8 with BOM or as CP932, remembering every character it had to replace. */
export class ExportEncoder {
  private readonly canHold = new Map<string, boolean>();
  private readonly replaced = new Map<string, ReplacedCharacter>();

  constructor(readonly encoding: Encoding) {}

  /** The bytes a file starts with: the BOM that makes Excel read UTF-8, nothing for CP932. */
  preamble(): Buffer {
    return this.encoding === 'utf8' ? BOM : Buffer.alloc(0);
  }

  /** One cell's text as the encoding can hold it; `where` names the cell for the report. */
  fit(text: string, where: () => string): string {
    if (this.encoding === 'utf8' || ASCII_ONLY.test(text)) return text;
    let out = '';
    for (const char of text) {
      if (char.charCodeAt(0) < 0x80 || this.holds(char)) {
        out += char;
        continue;
      }
      const replacement = this.replacementFor(char);
      this.note(char, replacement, where);
      out += replacement;
    }
    return out;
  }

  /**
   * One CSV line (without its line end) whose cells are fitted before the formula guard and the quoting
   * see them: a character CP932 writes as = + - @ (﹦ ﹢ ﹣ ﹫ …) or as a comma (﹐) is judged as what it becomes.
   */
  line(cells: readonly CsvValue[], where: () => string): string {
    return this.encoding === 'utf8' ? csvLine(cells) : csvLine(cells, (text) => this.fit(text, where));
  }

  /** A whole line (already fitted) as bytes. */
  encode(line: string): Buffer {
    return this.encoding === 'utf8' ? Buffer.from(line, 'utf8') : iconv.encode(line, 'cp932');
  }

  /** What was replaced, most frequent first. */
  report(): ReplacedCharacter[] {
    return [...this.replaced.values()].sort((a, b) => b.count - a.count || a.codePoint.localeCompare(b.codePoint));
  }

  private holds(char: string): boolean {
    let known = this.canHold.get(char);
    if (known === undefined) {
      known = iconv.decode(iconv.encode(char, 'cp932'), 'cp932') === char;
      this.canHold.set(char, known);
    }
    return known;
  }

  private replacementFor(char: string): string {
    const lookalike = CP932_LOOKALIKES[char];
    if (lookalike) return lookalike;
    // Latin letters with accents (Nguyễn, Çelik) keep their base letter: Nguyen, Celik.
    const base = char.normalize('NFKD').replace(/\p{M}/gu, '');
    if (base !== '' && base !== char && [...base].every((c) => c.charCodeAt(0) < 0x80 || this.holds(c))) return base;
    return FALLBACK;
  }

  private note(char: string, replacement: string, where: () => string) {
    const seen = this.replaced.get(char);
    if (seen) {
      seen.count += 1;
      return;
    }
    const codePoint = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    this.replaced.set(char, { char, codePoint, replacement, count: 1, example: where() });
  }
}
