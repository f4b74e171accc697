import type { Settings } from '../../../config/organisation';
import { catalog, formatYen, t, type Locale, tDynamic, translateKey } from '../../lib/i18n';
import { itemCount } from './settings.form';
import { fieldNames, isList, settingsForm, type FieldError, type FieldSpec, type ListSpec } from './settings.schemas';
import type { ErrorLine } from '../../web/form-errors';

// What views/admin/settings/edit.hbs shows: the form description turned into labelled inputs
// holding either the stored settings or the values just posted, with their messages.

interface Input {
  name: string;
  id: string;
  value: string;
  error?: string;
}
interface ViewField {
  label: string;
  hint?: string;
  kind: string;
  inputmode?: string;
  max: number;
  isRequired: boolean;
  isLocalized: boolean;
  isText: boolean;
  rows: number;
  isSwitch: boolean;
  isChecked: boolean;
  input?: Input;
  ja?: Input;
  en?: Input;
  hasError: boolean;
}

const idOf = (name: string) => `f-${name.replace(/\./g, '-')}`;

function optionalText(locale: Locale, key: string): string | undefined {
  return catalog(locale)[key] === undefined ? undefined : translateKey(locale, key);
}

function viewField(
  locale: Locale,
  labelKey: string,
  base: string,
  spec: FieldSpec,
  values: Record<string, string>,
  messages: Record<string, string>,
  required: boolean,
): ViewField {
  const input = (name: string): Input => ({ name, id: idOf(name), value: values[name] ?? '', error: messages[name] });
  const [first, second] = fieldNames(base, spec).map(input);
  return {
    label: translateKey(locale, labelKey),
    hint: optionalText(locale, labelKey.replace('settings.field.', 'settings.hint.')),
    // Numbers and times are typed as text: a browser's number or time input drops what it cannot
    // read before the server can explain what is wrong with it.
    kind: ['line', 'number', 'time'].includes(spec.rule.kind) ? 'text' : spec.rule.kind === 'phone' ? 'tel' : spec.rule.kind,
    inputmode: spec.rule.kind === 'number' ? 'numeric' : undefined,
    max: spec.rule.max,
    isRequired: required,
    isLocalized: spec.localized,
    isText: spec.rule.kind === 'text',
    rows: spec.rule.max >= 1000 ? 6 : spec.rule.max >= 500 ? 4 : 3,
    isSwitch: spec.rule.kind === 'switch',
    isChecked: values[base] === 'on',
    ...(spec.localized ? { ja: first, en: second } : { input: first }),
    hasError: Boolean(first?.error || second?.error),
  };
}

function itemTitle(locale: Locale, list: ListSpec, i: number, settings: Settings): string {
  if (list.key === 'plans') return t(locale, 'settings.item.plan', { amount: formatYen(settings.familyPage.plans[i]?.amount ?? 0, locale) });
  return t(locale, `settings.item.${list.key}`, { n: i + 1 });
}

function viewList(locale: Locale, section: string, list: ListSpec, values: Record<string, string>, messages: Record<string, string>, settings: Settings) {
  const base = `${section}.${list.key}`;
  const count = list.fixed ? settings.familyPage.plans.length : itemCount(values, base, list);
  const isBlank = (i: number) => list.fields.every((f) => fieldNames(`${base}.${i}.${f.key}`, f).every((name) => (values[name] ?? '').trim() === ''));
  const slots = Array.from({ length: count }, (_, i) => i);
  // One empty item to add to the list (cleared items are removed on saving).
  if (!list.fixed && count < list.max && !slots.some(isBlank)) slots.push(count);
  return {
    isList: true,
    id: idOf(base),
    label: tDynamic(locale, 'settings.field.', base),
    hint: optionalText(locale, `settings.hint.${base}`),
    error: messages[base],
    items: slots.map((i) => {
      const isNew = !list.fixed && isBlank(i);
      return {
        title: isNew ? tDynamic(locale, 'settings.item.', `${list.key}New`) : itemTitle(locale, list, i, settings),
        isNew,
        fields: list.fields.map((f) => viewField(locale, `settings.field.${base}.${f.key}`, `${base}.${i}.${f.key}`, f, values, messages, f.rule.required && !isNew)),
      };
    }),
  };
}

/** The settings form for the template: sections of fields and lists, with messages in the locale. */
export function settingsView(locale: Locale, settings: Settings, values: Record<string, string>, errors: Record<string, FieldError> = {}) {
  const messages = Object.fromEntries(Object.entries(errors).map(([name, e]) => [name, translateKey(locale, e.key, e.params)]));
  const sections = settingsForm.map((section) => ({
    key: section.key,
    id: `section-${section.key}`,
    title: t(locale, `settings.section.${section.key}`),
    hint: optionalText(locale, `settings.hint.${section.key}`),
    entries: section.fields.map((field) =>
      isList(field)
        ? viewList(locale, section.key, field, values, messages, settings)
        : viewField(locale, `settings.field.${section.key}.${field.key}`, `${section.key}.${field.key}`, field, values, messages, field.rule.required),
    ),
  }));
  return { sections, errorList: errorSummary(locale, sections), hasErrors: Object.keys(messages).length > 0 };
}

type ViewEntry = ViewField | ReturnType<typeof viewList>;

/** The shared error summary's lines (views/partials/error-summary.hbs): each message once, in form order, naming its field and linking to its input. */
function errorSummary(locale: Locale, sections: { title: string; entries: ViewEntry[] }[]): ErrorLine[] {
  const out: ErrorLine[] = [];
  const line = (id: string, message: string) => out.push({ field: id, href: `#${id}`, message });
  const add = (f: ViewField, prefix: string) => {
    const label = `${prefix}${f.label}`;
    if (f.input?.error) line(f.input.id, `${label}: ${f.input.error}`);
    if (f.ja?.error) line(f.ja.id, `${label} (${t(locale, 'settings.lang.ja')}): ${f.ja.error}`);
    if (f.en?.error) line(f.en.id, `${label} (${t(locale, 'settings.lang.en')}): ${f.en.error}`);
  };
  for (const section of sections) {
    for (const entry of section.entries) {
      if (!('isList' in entry)) {
        add(entry, '');
        continue;
      }
      if (entry.error) line(entry.id, `${entry.label}: ${entry.error}`);
      for (const item of entry.items) for (const f of item.fields) add(f, `${item.title} › `);
    }
  }
  return out;
}
