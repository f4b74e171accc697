import type { z } from 'zod';
import { t, translateKey, type Locale, type MessageKey } from '../lib/i18n';

// Form errors as the page shows them: a message next to each field and a summary at the top of the
// form that lists the same messages in the order of the fields, each linking to its field.

type Params = Record<string, string | number>;

/** A form's fields in the order the page shows them, each with the label that names it in a message. */
export type FormFields = readonly (readonly [name: string, label: MessageKey, labelParams?: Params])[];

/** One line of the error summary: the message and the id of the field it links to (none for the whole form). */
export interface ErrorLine {
  field: string;
  href?: string;
  message: string;
}

/** What a view needs to show a form's errors: `errors` by field, `errorList` in form order, `hasErrors`. */
export type FormErrorsView = {
  errors: Record<string, string>;
  errorList: ErrorLine[];
  hasErrors: boolean;
};

/** Field → message key of the first problem of each field; a message that is not a key of `known` becomes `fallback`. */
export function issuesByField(error: z.ZodError, known: RegExp, fallback: MessageKey): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    if (!keys[field]) keys[field] = known.test(issue.message) ? issue.message : fallback;
  }
  return keys;
}

/** In English a label inside a sentence starts in lower case ("Enter family name."), unless it is an acronym. */
function inSentence(locale: Locale, label: string): string {
  if (locale !== 'en' || /^[A-Z]{2}/.test(label)) return label;
  return label.charAt(0).toLowerCase() + label.slice(1);
}

/** A sentence starts with a capital letter, also when it starts with a label ("Family name is not valid."). */
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Message keys by field → messages that name their field ({field} in the message), ordered
 * as the form shows its fields. A problem with the whole form ("form") comes first; fields the list does
 * not name keep their order after the named ones. `params` fill the messages' other placeholders, the
 * same for every field or chosen per field.
 */
export function formErrors(locale: Locale, keys: Record<string, string>, fields: FormFields, params: Params | ((field: string) => Params) = {}): FormErrorsView {
  const position = new Map(fields.map(([name], i) => [name, i]));
  const labels = new Map(fields.map(([name, label, labelParams]) => [name, { label, labelParams }]));
  const rank = (field: string) => (field === 'form' ? -1 : (position.get(field) ?? fields.length));
  const ordered = Object.keys(keys).sort((a, b) => rank(a) - rank(b));
  const errors: Record<string, string> = {};
  const errorList: ErrorLine[] = [];
  for (const field of ordered) {
    const named = labels.get(field);
    const label = named ? t(locale, named.label, named.labelParams) : t(locale, 'form.field.unknown');
    const extra = typeof params === 'function' ? params(field) : params;
    const message = capitalised(translateKey(locale, keys[field]!, { ...extra, field: inSentence(locale, label) }));
    errors[field] = message;
    errorList.push(field === 'form' ? { field, message } : { field, href: `#${field}`, message });
  }
  return { errors, errorList, hasErrors: errorList.length > 0 };
}

/** A page with one problem that concerns the whole form or one field (`field` set: the line links to it). */
export function formProblem(message: string, field?: string): FormErrorsView {
  const line: ErrorLine = field ? { field, href: `#${field}`, message } : { field: 'form', message };
  return { errors: { [line.field]: message }, errorList: [line], hasErrors: true };
}

/** No errors: the view model of a form shown for the first time. */
export const noFormErrors: FormErrorsView = Object.freeze({ errors: {}, errorList: [], hasErrors: false }) as FormErrorsView;
