import type { Settings } from '../../../config/organisation';
import {
  checkSwitch,
  checkValue,
  editableSections,
  fieldNames,
  isList,
  settingsForm,
  type EditableSettings,
  type FieldError,
  type FieldSpec,
  type ListSpec,
} from './settings.schemas';

// Between the stored settings and the flat form: values out (to fill the form), values in (checked,
// then merged over the stored sections so that settings the form does not show are kept).

type Values = Record<string, string>;
type Body = Record<string, unknown>;

function readField(values: Values, base: string, spec: FieldSpec, source: Record<string, unknown>) {
  if (spec.localized) {
    const v = (source[spec.key] ?? { ja: '', en: '' }) as { ja?: string; en?: string };
    values[`${base}.ja`] = v.ja ?? '';
    values[`${base}.en`] = v.en ?? '';
  } else if (spec.rule.kind === 'switch') {
    values[base] = source[spec.key] === true ? 'on' : '';
  } else {
    values[base] = String(source[spec.key] ?? '');
  }
}

/** The form's values for the stored settings. */
export function formValues(settings: Settings): Values {
  const values: Values = {};
  for (const section of settingsForm) {
    const stored = settings[section.key] as unknown as Record<string, unknown>;
    for (const field of section.fields) {
      const base = `${section.key}.${field.key}`;
      if (!isList(field)) {
        readField(values, base, field, stored);
        continue;
      }
      const items = (stored[field.key] ?? []) as Record<string, unknown>[];
      items.forEach((item, i) => field.fields.forEach((f) => readField(values, `${base}.${i}.${f.key}`, f, item)));
    }
  }
  return values;
}

/** How many items of a list the values hold (slots numbered from 0 without gaps). */
export function itemCount(values: Record<string, unknown>, base: string, list: ListSpec): number {
  let n = 0;
  // One slot past the limit is looked at, so that an over-full list is reported rather than cut.
  while (n <= list.max && list.fields.some((f) => fieldNames(`${base}.${n}.${f.key}`, f).some((name) => values[name] !== undefined))) n += 1;
  return n;
}

/** Only the strings of a posted form (for showing it again after an error). */
export function echoValues(body: Body): Values {
  const values: Values = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string' && key !== '_csrf' && key.length <= 100) values[key] = value.slice(0, 5000);
  }
  return values;
}

class Checker {
  readonly errors: Record<string, FieldError> = {};
  constructor(private readonly body: Body) {}

  /** A field's clean value (a bilingual pair or one value); undefined after recording an error. */
  field(base: string, spec: FieldSpec, required = spec.rule.required): unknown {
    if (spec.rule.kind === 'switch') return this.keep(base, checkSwitch(this.body[base]));
    if (!spec.localized) return this.keep(base, checkValue(this.body[base], spec.rule, required));
    const ja = this.keep(`${base}.ja`, checkValue(this.body[`${base}.ja`], spec.rule, required));
    const en = this.keep(`${base}.en`, checkValue(this.body[`${base}.en`], spec.rule, false));
    return ja === undefined || en === undefined ? undefined : { ja, en };
  }

  private keep<T>(name: string, result: { value: T } | { error: FieldError }): T | undefined {
    if ('error' in result) {
      this.errors[name] = result.error;
      return undefined;
    }
    return result.value;
  }

  /** The items of a list: empty new items are dropped, fixed lists keep their stored items' other fields. */
  list(base: string, spec: ListSpec, stored: Record<string, unknown>[]): Record<string, unknown>[] {
    const count = spec.fixed ? stored.length : itemCount(this.body, base, spec);
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const itemBase = `${base}.${i}`;
      const names = spec.fields.flatMap((f) => fieldNames(`${itemBase}.${f.key}`, f));
      const isBlank = names.every((name) => typeof this.body[name] === 'string' && (this.body[name] as string).trim() === '');
      if (isBlank && !spec.fixed) continue;
      const item: Record<string, unknown> = { ...(stored[i] ?? {}) };
      for (const f of spec.fields) item[f.key] = this.field(`${itemBase}.${f.key}`, f);
      items.push(item);
    }
    if (items.length > spec.max) this.errors[base] = { key: 'settings.errors.tooMany', params: { max: spec.max } };
    return items;
  }
}

export type ParsedSettings = { ok: true; value: EditableSettings } | { ok: false; errors: Record<string, FieldError> };

/** Checks every field of the posted form; on success, the edited sections merged over the stored ones. */
export function parseSettingsForm(body: Body, current: Settings): ParsedSettings {
  const checker = new Checker(body);
  const value = {} as Record<string, Record<string, unknown>>;
  for (const section of settingsForm) {
    const stored = current[section.key] as unknown as Record<string, unknown>;
    const next: Record<string, unknown> = { ...stored };
    for (const field of section.fields) {
      const base = `${section.key}.${field.key}`;
      next[field.key] = isList(field) ? checker.list(base, field, (stored[field.key] ?? []) as Record<string, unknown>[]) : checker.field(base, field);
    }
    value[section.key] = next;
  }
  if (Object.keys(checker.errors).length > 0) return { ok: false, errors: checker.errors };
  return { ok: true, value: value as unknown as EditableSettings };
}

// JSON with sorted keys: PostgreSQL's jsonb does not keep the order keys were written in.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The sections whose stored value differs from the edited one. */
export function changedSections(current: Settings, edited: EditableSettings): (keyof EditableSettings)[] {
  return editableSections.filter((key) => canonical(current[key]) !== canonical(edited[key]));
}
