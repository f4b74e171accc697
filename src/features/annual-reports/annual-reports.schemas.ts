import type { ImpactFigure } from '../../db/schema';
import { tokyoYear } from '../../lib/dates';
import { hasControlCharacters } from '../../lib/text';

export const MAX_FIGURES = 8;
export const MAX_LABEL = 60;
export const MAX_NARRATIVE = 5000;
const MAX_VALUE = 999_999_999;

/** A report's year from the path: four digits, 2000 at the earliest, never after this year in Japan. */
export function parseYear(raw: unknown, now: Date): { ok: true; year: number } | { ok: false; problem: 'badYear' | 'futureYear' } {
  if (typeof raw !== 'string' || !/^\d{4}$/.test(raw)) return { ok: false, problem: 'badYear' };
  const year = Number(raw);
  if (year < 2000) return { ok: false, problem: 'badYear' };
  if (year > tokyoYear(now)) return { ok: false, problem: 'futureYear' };
  return { ok: true, year };
}

export interface ReportContent {
  figures: ImpactFigure[];
  narrativeJa: string;
  narrativeEn: string;
}

export interface FigureRowValues {
  labelJa: string;
  labelEn: string;
  value: string;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const text = (v: unknown) => (typeof v === 'string' ? v : '');
/** A label is one line of plain text. */
const badLabel = (v: string) => v.length > MAX_LABEL || hasControlCharacters(v) || /[\t\r\n]/.test(v);

/**
 * The report form: up to eight figures (a Japanese label, an optional English one, a whole number;
 * a row left blank is dropped) and the narrative in both languages. Errors name the field and row.
 */
export function parseReportForm(
  body: Record<string, unknown>,
): { ok: true; value: ReportContent } | { ok: false; errors: Record<string, string>; rows: FigureRowValues[]; narrativeJa: string; narrativeEn: string } {
  const errors: Record<string, string> = {};
  const [ja, en, values] = [list(body.labelJa), list(body.labelEn), list(body.value)];
  const count = Math.max(ja.length, en.length, values.length);
  const rows: FigureRowValues[] = Array.from({ length: Math.min(count, MAX_FIGURES + 1) }, (_, i) => ({
    labelJa: text(ja[i])
      .trim()
      .slice(0, MAX_LABEL * 4),
    labelEn: text(en[i])
      .trim()
      .slice(0, MAX_LABEL * 4),
    value: text(values[i]).trim().slice(0, 40),
  }));
  const narrativeJa = text(body.narrativeJa).replace(/\r\n/g, '\n').trim();
  const narrativeEn = text(body.narrativeEn).replace(/\r\n/g, '\n').trim();
  const figures: ImpactFigure[] = [];
  const filled = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.labelJa || r.labelEn || r.value);
  if (count > MAX_FIGURES && filled.length > MAX_FIGURES) errors.figures = 'annual.errors.tooManyFigures';
  for (const { r, i } of filled.slice(0, MAX_FIGURES)) {
    const n = i + 1;
    if (!r.labelJa) errors[`labelJa-${n}`] = 'annual.errors.labelRequired';
    else if (badLabel(r.labelJa)) errors[`labelJa-${n}`] = 'annual.errors.badLabel';
    if (badLabel(r.labelEn)) errors[`labelEn-${n}`] = 'annual.errors.badLabel';
    // Figures are counts of people and events: whole numbers, commas allowed ("1,234", "１２３").
    const digits = r.value.normalize('NFKC').replace(/,/g, '');
    const value = /^\d{1,9}$/.test(digits) ? Number(digits) : NaN;
    if (!Number.isInteger(value) || value > MAX_VALUE) errors[`value-${n}`] = 'annual.errors.badValue';
    else figures.push({ labelJa: r.labelJa, labelEn: r.labelEn, value });
  }
  for (const [field, value] of [
    ['narrativeJa', narrativeJa],
    ['narrativeEn', narrativeEn],
  ] as const) {
    if (value.length > MAX_NARRATIVE) errors[field] = 'annual.errors.tooLong';
    else if (hasControlCharacters(value)) errors[field] = 'annual.errors.control';
  }
  if (!narrativeJa && !errors.narrativeJa) errors.narrativeJa = 'annual.errors.narrativeRequired';
  if (Object.keys(errors).length > 0)
    return { ok: false, errors, rows: rows.slice(0, MAX_FIGURES), narrativeJa: narrativeJa.slice(0, MAX_NARRATIVE * 2), narrativeEn: narrativeEn.slice(0, MAX_NARRATIVE * 2) };
  return { ok: true, value: { figures, narrativeJa, narrativeEn } };
}
