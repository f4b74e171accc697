import { sql } from 'drizzle-orm';
import { checkoutSessions, consents, supporters } from '../../src/db/schema';
import { startTestApp, type TestApp } from '../helpers/app';
import { joinFields } from '../helpers/giving';
import { unescapeHtml, Visitor } from '../helpers/http';

async function counts(app: TestApp) {
  const n = async (table: typeof supporters | typeof consents | typeof checkoutSessions) => Number((await app.ctx.db.select({ n: sql<number>`count(*)` }).from(table))[0]!.n);
  return { supporters: await n(supporters), consents: await n(consents), sessions: await n(checkoutSessions) };
}

const bad: [string, string | string[], string][] = [
  ['email', 'not-an-email', 'メールアドレスの形式が正しくありません'],
  ['email', '', '入力してください'],
  ['email', `${'a'.repeat(300)}@example.jp`, 'メールアドレスの形式'],
  ['email', 'a@b.jp\r\nBcc: victim@example.jp', 'メールアドレスの形式'],
  ['email', ['a@example.jp', 'b@example.jp'], 'の内容が正しくありません'],
  ['family_name', '', '入力してください'],
  ['family_name', 'あ'.repeat(51), '長すぎます'],
  ['family_name', '山田\u0000', '制御文字'],
  ['family_name', '<script>alert(1)</script>', '使用できない記号'],
  ['given_name', ['花子', '太郎'], 'の内容が正しくありません'],
  ['given_name', '\u202Eevil', '制御文字'],
  ['family_name_kana', '山田', '全角カタカナ'],
  ['family_name_kana', "ヤマダ'; DROP TABLE supporters; --", '全角カタカナ'],
  ['given_name_kana', 'ア'.repeat(60), '長すぎます'],
  ['plan', '3000', '金額を選んでください'],
  ['plan', '5000; DELETE FROM donations', '金額を選んでください'],
  ['plan', '', '金額を選んでください'],
  ['plan', ['1000', '5000'], '金額を選んでください'],
  ['privacy', undefined as unknown as string, '同意が必要です'],
  ['privacy', 'yes-please', 'の内容が正しくありません'],
  ['locale', 'fr', 'の内容が正しくありません'],
  ['kind', 'robot', 'の内容が正しくありません'],
];

describe('join and give forms with bad input', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false }); // The live count is shown from the first supporter here (the default hides it below 10).
    const { familyPage } = await app.ctx.settings.get();
    await app.ctx.settings.update('familyPage', { ...familyPage, countThreshold: '0' });
  });
  afterAll(() => app.stop());

  test.each(bad)('when %s is %p, then 422 with a message next to it and nothing is stored', async (field, value, message) => {
    const before = await counts(app);
    const visitor = Visitor.from(app);
    const token = await visitor.csrf('/family');
    const { res, html } = await visitor.post('/family/join', { ...joinFields({ [field]: value as string }), [field]: value, _csrf: token });
    expect(res.status).toBe(422);
    expect(unescapeHtml(html)).toContain(message);
    expect(html).toContain(`id="${field === 'privacy' ? 'privacy' : field}-error"`);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(await counts(app)).toEqual(before);
  });

  test('when the form is re-shown, then HTML in the submitted values is escaped', async () => {
    const visitor = Visitor.from(app);
    const token = await visitor.csrf('/family');
    const { res, html } = await visitor.post('/family/join', { ...joinFields({ given_name: '"><img src=x onerror=alert(1)>', email: 'bad' }), _csrf: token });
    expect(res.status).toBe(422);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
  });

  test('when an organisation is chosen without its name, then the name is asked for', async () => {
    const visitor = Visitor.from(app);
    const token = await visitor.csrf('/family');
    const { res, html } = await visitor.post('/family/join', { ...joinFields({ kind: 'organisation' }), _csrf: token });
    expect(res.status).toBe(422);
    expect(html).toContain('id="organisation_name-error"');
  });

  test('when the CSRF token is missing or from another visitor, then 403 and nothing is stored', async () => {
    const before = await counts(app);
    const visitor = Visitor.from(app);
    await visitor.get('/family');
    expect((await visitor.post('/family/join', joinFields())).res.status).toBe(403);
    const other = Visitor.from(app);
    const foreign = await other.csrf('/family');
    expect((await visitor.post('/family/join', { ...joinFields(), _csrf: foreign })).res.status).toBe(403);
    expect(await counts(app)).toEqual(before);
  });

  test('when the English form has an error, then the message is in English', async () => {
    const visitor = Visitor.from(app);
    const token = await visitor.csrf('/family?lang=en');
    const { res, html } = await visitor.post('/family/join', { ...joinFields({ email: 'nope', locale: 'en' }), _csrf: token });
    expect(res.status).toBe(422);
    expect(html).toContain('Enter an email address in the correct format');
  });

  test('when katakana is typed half-width or in hiragana, then it is stored as full-width katakana', async () => {
    const visitor = Visitor.from(app);
    const token = await visitor.csrf('/family');
    const fields = joinFields({ family_name_kana: 'ﾔﾏﾀﾞ', given_name_kana: 'はなこ' });
    const { res } = await visitor.post('/family/join', { ...fields, _csrf: token });
    expect(res.status).toBe(303);
    const rows = await app.ctx.db
      .select()
      .from(supporters)
      .where(sql`${supporters.email} = ${fields.email!}`);
    expect(rows[0]).toMatchObject({ familyNameKana: 'ヤマダ', givenNameKana: 'ハナコ', status: 'prospect' });
  });

  test('when a Latin name with an apostrophe and no kana is given, then it is accepted', async () => {
    const visitor = Visitor.from(app);
    const token = await visitor.csrf('/family');
    const fields = joinFields({ family_name: "O'Brien", given_name: 'Seán', family_name_kana: '', given_name_kana: '', locale: 'en' });
    const { res } = await visitor.post('/family/join', { ...fields, _csrf: token });
    expect(res.status).toBe(303);
  });

  test.each([
    ['amount', '100', '500円から1,000,000円まで'],
    ['amount', '2000000', '500円から1,000,000円まで'],
    ['amount', 'abc', '500円から1,000,000円まで'],
    ['amount', '1e5', '500円から1,000,000円まで'],
    ['amount', '-5000', '500円から1,000,000円まで'],
    ['amount', '5000.5', '500円から1,000,000円まで'],
    ['amount', ['3000', '5000'], '500円から1,000,000円まで'],
  ])('when a one-time %s is %p, then 422 and nothing is stored', async (field, value, message) => {
    const before = await counts(app);
    const visitor = Visitor.from(app);
    const token = await visitor.csrf('/give');
    const { amount: _a, plan: _p, ...rest } = joinFields();
    const { res, html } = await visitor.post('/give', { ...rest, amount: 'other', custom_amount: value, _csrf: token });
    expect(res.status).toBe(422);
    expect(unescapeHtml(html)).toContain(message);
    expect(await counts(app)).toEqual(before);
  });

  test('when the join page is opened, then the three plans, the FAQ and the count are shown, ja and en', async () => {
    const ja = (await Visitor.of(app).get('/family')).html;
    for (const text of [
      '毎月1,000円の寄付で1名の企業面談まで伴走できます。',
      '※1年間ご寄付を続けられた場合',
      '寄付した金額は控除の対象になりますか？',
      'WELgeeファミリー通信',
      '現在 <strong>',
    ]) {
      expect(ja).toContain(text);
    }
    expect(ja).not.toMatch(/name="newsletter"[^>]*checked/);
    const en = (await Visitor.of(app).get('/family?lang=en')).html;
    expect(en).toContain('¥10,000 a month gives one person the chance to learn business Japanese.');
  });
});
