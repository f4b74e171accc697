import { z } from 'zod';
import { formErrors, issuesByField } from '../../src/web/form-errors';
import { joinFields, joinSchema } from '../../src/features/giving/giving.schemas';

describe('form errors in form order, naming their fields', () => {
  test('when an empty join form is checked, then the summary lists the fields as the form shows them, each message naming its field', () => {
    // What a browser posts for an untouched form: every text field, empty; no radio or checkbox.
    const parsed = joinSchema.safeParse({ family_name: '', given_name: '', family_name_kana: '', given_name_kana: '', email: '', organisation_name: '' });
    expect(parsed.success).toBe(false);
    const keys = issuesByField(parsed.error!, /^giving\./, 'giving.errors.invalid');
    const view = formErrors('ja', keys, joinFields);
    expect(view.hasErrors).toBe(true);
    expect(view.errorList.map((l) => l.field)).toEqual(['plan', 'family_name', 'given_name', 'email', 'privacy']);
    expect(view.errorList.map((l) => l.href)).toEqual(['#plan', '#family_name', '#given_name', '#email', '#privacy']);
    expect(view.errors.family_name).toBe('お名前（姓）を入力してください。');
    expect(view.errors.given_name).toBe('お名前（名）を入力してください。');
    expect(new Set(view.errorList.map((l) => l.message)).size).toBe(view.errorList.length);
  });

  test('when the same form is checked in English, then the field names sit inside the sentence', () => {
    const view = formErrors('en', { given_name: 'giving.errors.required', family_name_kana: 'giving.errors.kana' }, joinFields);
    expect(view.errorList.map((l) => l.message)).toEqual(['Enter given name.', 'Family name in katakana must be in full-width katakana.']);
  });

  test('when the validator reports fields in another order, then the form order wins and a whole-form problem comes first', () => {
    const view = formErrors('ja', { privacy: 'giving.errors.privacy', email: 'giving.errors.email', form: 'giving.errors.plan' }, joinFields);
    expect(view.errorList.map((l) => l.field)).toEqual(['form', 'email', 'privacy']);
    expect(view.errorList[0]!.href).toBeUndefined();
  });

  test('when a field is not in the list, then its message still names something and it comes last', () => {
    const schema = z.object({ a: z.string({ error: 'giving.errors.required' }), zz: z.string({ error: 'giving.errors.required' }) });
    const keys = issuesByField(schema.safeParse({}).error!, /^giving\./, 'giving.errors.invalid');
    const view = formErrors('ja', keys, [['a', 'giving.form.email']]);
    expect(view.errorList.map((l) => l.message)).toEqual(['メールアドレスを入力してください。', 'この項目を入力してください。']);
  });
});
